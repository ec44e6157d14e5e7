package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The detector scenario 5 relies on really reports two uploads of one key at once. */
class UploadTrackerTest {
    private static FaultProxy.Request put(String key) {
        return new FaultProxy.Request("PUT", "/e2e/" + key, "", Map.of());
    }

    private static FaultProxy.Request commit(String token, String key) {
        return new FaultProxy.Request("PUT", "/e2e/" + key, "",
                Map.of("x-amz-copy-source", "e2e/.migrate-tmp/" + token + "/" + key));
    }

    @Test
    void reportsTwoAttemptsUploadingOneKeyAtOnce() {
        UploadTracker t = new UploadTracker();
        t.accept(put(".migrate-tmp/a1/dir/k"));
        t.accept(put(".migrate-tmp/b2/dir/k"));
        assertThat(t.overlaps()).containsExactly("dir/k by attempts [a1, b2]");
    }

    @Test
    void uploadsOneAfterTheOtherAreNoOverlap() {
        UploadTracker t = new UploadTracker();
        t.accept(put(".migrate-tmp/a1/dir/k"));
        t.accept(commit("a1", "dir/k"));
        t.accept(new FaultProxy.Request("DELETE", "/e2e/.migrate-tmp/a1/dir/k", "", Map.of()));
        t.accept(put(".migrate-tmp/b2/dir/k"));
        t.accept(new FaultProxy.Request("DELETE", "/e2e/.migrate-tmp/b2/dir/k", "", Map.of()));
        t.accept(put(".migrate-tmp/c3/dir/k"));
        assertThat(t.overlaps()).isEmpty();
        assertThat(t.uploads()).isEqualTo(3);
    }

    @Test
    void twoDirectPutsOfOneKeyCloserThanTheHoldAreAnOverlapAndFartherApartAreNot() {
        long[] now = {0};
        UploadTracker t = new UploadTracker(() -> now[0]);
        t.accept(put("dir/k"));
        now[0] += UploadTracker.DIRECT_PUT_HOLD.toNanos(); // the first one was held this long: sequential
        t.accept(put("dir/k"));
        t.accept(put("dir/other"));
        assertThat(t.overlaps()).isEmpty();
        now[0] += UploadTracker.DIRECT_PUT_HOLD.toNanos() / 2;
        t.accept(put("dir/k"));
        assertThat(t.overlaps()).containsExactly("dir/k by two direct PUTs 75 ms apart");
        assertThat(t.uploads()).isEqualTo(4);
    }

    @Test
    void twoDirectPutsOfOneKeyAreNoOverlapWhenEitherCarriesAPrecondition() {
        long[] now = {0};
        UploadTracker t = new UploadTracker(() -> now[0]);
        FaultProxy.Request ifAbsent = new FaultProxy.Request("PUT", "/e2e/dir/k", "", Map.of("if-none-match", "*"));
        FaultProxy.Request ifMatch = new FaultProxy.Request("PUT", "/e2e/dir/k", "", Map.of("if-match", "\"e1\""));
        t.accept(ifAbsent);
        now[0] += 1;
        t.accept(ifMatch);
        now[0] += 1;
        t.accept(put("dir/k"));
        assertThat(t.overlaps()).isEmpty();
        now[0] += 1;
        t.accept(put("dir/k"));
        assertThat(t.overlaps()).containsExactly("dir/k by two direct PUTs 0 ms apart");
    }

    @Test
    void markersCopiesAndPartsAreNotDirectPuts() {
        assertThat(UploadTracker.isDirectPut(put("dir/"))).isFalse();
        assertThat(UploadTracker.isDirectPut(commit("a1", "dir/k"))).isFalse();
        assertThat(UploadTracker.isDirectPut(new FaultProxy.Request("PUT", "/e2e/dir/k", "partNumber=1&uploadId=x",
                Map.of()))).isFalse();
        assertThat(UploadTracker.uploadTarget(put("dir/k"))).contains("dir/k");
        assertThat(UploadTracker.uploadTarget(put(".migrate-tmp/a1/dir/k"))).contains("dir/k");
    }

    @Test
    void targetKeyOfTempKey() {
        assertThat(UploadTracker.targetOf(".migrate-tmp/tok/a/b.bin")).contains("a/b.bin");
        assertThat(UploadTracker.targetOf("a/b.bin")).isEmpty();
    }
}
