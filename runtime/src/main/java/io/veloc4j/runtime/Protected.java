package io.veloc4j.runtime;

import io.veloc4j.levels.Region;

/** A protected variable: the application's id and name, the shape it declared, and its memory. */
record Protected(int id, String name, long[] shape, Region region) {
}
