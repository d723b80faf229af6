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

    @Test
    void aRangeIsClaimedWholeAndItsFirstRepeatedPageNamed() throws Exception {
        try (RamBlock a = RamBlock.anonymous("a", 300 * 4096L, 4096)) {
            ReceiveRounds rounds = new ReceiveRounds(List.of(a), 1, n -> { });
            assertEquals(-1, rounds.claimRange(0, 10, 150), "across three words");
            for (long p = 10; p < 160; p++) {
                assertFalse(rounds.claim(0, p), "page " + p + " is taken by the range");
            }
            assertTrue(rounds.claim(0, 9));
            assertTrue(rounds.claim(0, 160));
            assertTrue(rounds.claim(0, 200));
            assertEquals(200, rounds.claimRange(0, 161, 100), "the page claimed before");
            assertEquals(159, rounds.claimRange(0, 159, 1));
            assertEquals(-1, rounds.claimRange(0, 299, 1), "the last page");
            rounds.awaitRoundEnd();
            assertEquals(-1, rounds.claimRange(0, 0, 300), "the whole block in the next round");
        }
    }
}
