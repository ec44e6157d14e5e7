package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.TaskStore;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.Upload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The part ledger journal's records: what reads back, and what a reader ignores (never trusts). */
class PartLedgerTest {
    private static final long RANGE = 64 << 10;
    private static final Upload UPLOAD = new Upload("k/big.bin", "k/.big.bin.0123456789abcdef.migrate-tmp", "u-1",
            3 * RANGE - 10, RANGE, Map.of("migrate-fingerprint", "line\nfeed \"quoted\""));

    private static TaskStore.Ledger journal(byte[]... records) {
        return new TaskStore.Ledger("run-1", PartLedger.header("run-1", "k/big.bin", "fp", UPLOAD), List.of(records));
    }

    @Test
    void aJournalReadsBackInOffsetOrderWhateverOrderItsRangesFinishedIn() {
        RangeReceipt last = new RangeReceipt(2 * RANGE, RANGE - 10, -7, null);
        RangeReceipt first = new RangeReceipt(0, RANGE, 12345, "\"etag-0\"");
        PartLedger l = PartLedger.decode(journal(PartLedger.record(last), PartLedger.record(first))).orElseThrow();
        assertThat(l.run()).isEqualTo("run-1");
        assertThat(l.fingerprint()).isEqualTo("fp");
        assertThat(l.upload()).isEqualTo(UPLOAD);
        assertThat(l.ranges()).containsExactly(first, last);
        assertThat(l.bytes()).isEqualTo(2 * RANGE - 10);
    }

    @Test
    void recordsAreOneLineEachEvenWithLineFeedsInValues() {
        assertThat(PartLedger.header("run-1", "k/big.bin", "fp\nx", UPLOAD)).doesNotContain((byte) '\n');
        assertThat(PartLedger.record(new RangeReceipt(0, RANGE, 1, "a\nb"))).doesNotContain((byte) '\n');
    }

    @Test
    void recordsAreReadUpToTheFirstThatIsNotARangeOfTheUpload() {
        RangeReceipt ok = new RangeReceipt(0, RANGE, 1, "e");
        List<byte[]> bad = List.of(utf8("[1,2,3]"), utf8("[0,0,3]"), utf8("[" + 3 * RANGE + ",1,3]"),
                utf8("[0," + (RANGE + 1) + ",3]"), utf8("[0,1,\"x\"]"), utf8("{}"), utf8("not json"),
                utf8("[0,1,99999999999]"));
        for (byte[] b : bad) {
            List<byte[]> records = new ArrayList<>(List.of(PartLedger.record(ok), b,
                    PartLedger.record(new RangeReceipt(RANGE, RANGE, 2, "f"))));
            PartLedger l = PartLedger.decode(journal(records.toArray(byte[][]::new))).orElseThrow();
            assertThat(l.ranges()).as(new String(b, StandardCharsets.UTF_8)).containsExactly(ok);
        }
    }

    @Test
    void aRangeRecordedTwiceCountsOnceTheLaterRecord() {
        RangeReceipt a = new RangeReceipt(0, RANGE, 1, "a");
        RangeReceipt b = new RangeReceipt(0, RANGE, 1, "b");
        assertThat(PartLedger.decode(journal(PartLedger.record(a), PartLedger.record(b))).orElseThrow().ranges())
                .containsExactly(b);
    }

    @Test
    void aJournalWithoutAGoodHeaderIsIgnored() {
        for (String header : List.of("", "garbage", "[]", "{\"ledger\":1,\"run\":\"r\"}",
                "{\"ledger\":2,\"target\":\"k\",\"fingerprint\":\"fp\",\"tempKey\":\"t\",\"size\":-1,\"rangeSize\":1}",
                "{\"ledger\":2,\"fingerprint\":\"fp\",\"tempKey\":\"t\",\"size\":1,\"rangeSize\":1}")) {
            assertThat(PartLedger.decode(new TaskStore.Ledger("r", utf8(header), List.of()))).as(header).isEmpty();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
