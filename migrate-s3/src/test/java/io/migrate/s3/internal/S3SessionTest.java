package io.migrate.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class S3SessionTest {
    @Test
    void commonPrefixNeverEndsInsideASurrogatePair() {
        assertThat(S3Session.commonPrefix("dir/f00017", "dir/f00452")).isEqualTo("dir/f00");
        assertThat(S3Session.commonPrefix("dir/a", "dir/a")).isEqualTo("dir/a");
        assertThat(S3Session.commonPrefix("x", "y")).isEmpty();
        // U+1F600 and U+1F601 share their high surrogate: cutting there would list a malformed prefix
        assertThat(S3Session.commonPrefix("d/\uD83D\uDE00a", "d/\uD83D\uDE01b")).isEqualTo("d/");
    }
}
