package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.codec.CodecKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class AutoChoicesTest {

    @Test
    void aChoiceIsRecalledUntilItIsTimeToProbeAgain() {
        AutoChoices choices = new AutoChoices();
        AutoChoices.Key key = new AutoChoices.Key(0, "t|float32|2", ElementType.FLOAT32, 192, 1);
        AutoChoices.Key other = new AutoChoices.Key(1, "t|float32|2", ElementType.FLOAT32, 192, 1);
        assertNull(choices.recall(key), "first write probes");
        choices.remember(key, CodecKind.LORENZO);
        for (int i = 1; i < AutoChoices.REPROBE; i++) {
            assertSame(CodecKind.LORENZO, choices.recall(key), "write " + (i + 1));
        }
        assertNull(choices.recall(other), "another group's segment is its own");
        assertNull(choices.recall(key), "write " + (AutoChoices.REPROBE + 1) + " probes again");
        choices.remember(key, CodecKind.XOR);
        assertSame(CodecKind.XOR, choices.recall(key));
    }
}
