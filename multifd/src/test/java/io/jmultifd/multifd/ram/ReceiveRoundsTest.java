package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.guest.RamBlock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A page at most once per round, per block; the end of a round clears the record and is reported. */
class ReceiveRoundsTest {

    @Test
    void aPageOncePerRoundAndAgainInTheNext() throws Exception {
        try (RamBlock a = RamBlock.anonymous("a", 130 * 4096L, 4096); RamBlock b = RamBlock.anonymous("b", 4096, 4096)) {
            List<Long> ended = new ArrayList<>();
            ReceiveRounds rounds = new ReceiveRounds(List.of(a, b), 1, ended::add);
            assertTrue(rounds.claim(0, 129));
            assertFalse(rounds.claim(0, 129), "twice in one round");
            assertTrue(rounds.claim(0, 65), "another bit of the same word");
            assertTrue(rounds.claim(1, 0), "the same page index of another block");
            assertFalse(rounds.claim(1, 0));

            rounds.awaitRoundEnd(); // the only channel reached its SYNC
            assertEquals(List.of(1L), ended);
            assertTrue(rounds.claim(0, 129), "allowed again in the next round");
            assertTrue(rounds.claim(1, 0));
            rounds.awaitRoundEnd();
            assertEquals(List.of(1L, 2L), ended);
        }
    }
}
