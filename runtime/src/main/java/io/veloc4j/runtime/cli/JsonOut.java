package io.veloc4j.runtime.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;

/** The commands' --json output (Gson): NaN and infinities as null, which JSON has no numbers for. */
final class JsonOut {

    private static final JsonSerializer<Double> FINITE = (d, type, ctx) ->
            d.isNaN() || d.isInfinite() ? JsonNull.INSTANCE : new JsonPrimitive(d);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .registerTypeAdapter(Double.class, FINITE).create();

    private JsonOut() {
    }

    static String write(Object value) {
        return GSON.toJson(value);
    }
}
