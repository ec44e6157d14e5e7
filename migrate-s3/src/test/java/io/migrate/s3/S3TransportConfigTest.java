package io.migrate.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import io.migrate.transport.WriteMode;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class S3TransportConfigTest {
    private static S3TransportConfig.Builder valid() {
        return S3TransportConfig.builder().endpoint(URI.create("http://127.0.0.1:9000")).bucket("b")
                .credentials("AKIDEXAMPLE", "wJalrXUtnFEMI-very-secret");
    }

    @Test
    void defaultsFollowTheDesign() {
        S3TransportConfig c = valid().build();
        assertThat(c.writeMode()).isEqualTo(S3WriteMode.MULTIPART);
        assertThat(c.region()).isEqualTo("us-east-1");
        assertThat(c.tempPrefix()).isEqualTo(".migrate-tmp/");
        assertThat(c.sdkRetries()).isEqualTo(1);
        assertThat(c.checksumMode()).isEqualTo(ChecksumMode.AUTO);
        assertThat(c.payloadSigning()).isEqualTo(PayloadSigning.AUTO);
        assertThat(c.quotaErrorCodes()).containsExactlyInAnyOrderElementsOf(S3TransportConfig.DEFAULT_QUOTA_ERROR_CODES);
    }

    @Test
    void smallFilesArePutDirectlyUnlessTheyMustBeReadBackFirst() {
        assertThat(valid().build().directPut()).isTrue();
        assertThat(S3Transport.capabilitiesOf(valid().build()).wholePutLimit()).isEqualTo(S3TransportConfig.MAX_PART_SIZE);
        for (S3WriteMode mode : S3WriteMode.values()) {
            assertThat(S3Transport.capabilitiesOf(valid().writeMode(mode).build()).wholePutLimit()).as("%s", mode)
                    .isPositive();
        }
        S3TransportConfig readBack = valid().readBackVerification(true).build();
        assertThat(readBack.directPut()).as("the getter returns what was set").isTrue();
        assertThat(io.migrate.s3.internal.DerivedSettings.putsWholeFiles(readBack)).isFalse();
        assertThat(S3Transport.capabilitiesOf(readBack).wholePutLimit()).isZero();
        assertThat(S3Transport.capabilitiesOf(valid().directPut(false).build()).wholePutLimit()).isZero();
    }

    @Test
    void toStringNeverShowsCredentials() {
        String s = valid().build().toString();
        assertThat(s).doesNotContain("AKIDEXAMPLE").doesNotContain("very-secret").contains("****");
    }

    @Test
    void propertiesTurnTheSweeperOffWithZeroAndChooseEveryChecksum() {
        S3TransportConfig c = io.migrate.s3.internal.S3TransportProvider.config(io.migrate.config.Settings.of(Map.of(
                "s3.endpoints", "http://127.0.0.1:9000", "s3.bucket", "b", "s3.staleUploadSweepInterval", "0",
                "s3.checksumMode", "sha256")));
        assertThat(c.staleUploadSweepInterval()).isZero();
        assertThat(c.checksumMode()).isEqualTo(ChecksumMode.SHA256);
    }

    @Test
    void buildNamesTheInvalidSetting() {
        assertThatThrownBy(() -> S3TransportConfig.builder().bucket("b").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("endpoints");
        assertThatThrownBy(() -> valid().bucket(" ").build()).hasMessageContaining("bucket");
        assertThatThrownBy(() -> valid().endpoint(URI.create("ftp://x")).build()).hasMessageContaining("endpoints");
        assertThatThrownBy(() -> valid().endpoint(URI.create("http://127.0.0.1:9000")).build())
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> valid().sessionsPerEndpoint(0).build()).hasMessageContaining("sessionsPerEndpoint")
                .hasMessageContaining("[1, 1024]");
        assertThatThrownBy(() -> valid().sdkRetries(9).build()).hasMessageContaining("sdkRetries");
        assertThatThrownBy(() -> valid().apiCallAttemptTimeout(Duration.ZERO).build())
                .hasMessageContaining("apiCallAttemptTimeout");
        assertThatThrownBy(() -> valid().copyPartSize(1).build()).hasMessageContaining("copyPartSize");
        assertThatThrownBy(() -> valid().tempPrefix("/abs").build()).hasMessageContaining("tempPrefix");
        assertThatThrownBy(() -> RequestShape.of("GET", Map.of(), Map.of())).hasMessageContaining("PUT or POST");
        assertThatThrownBy(() -> valid().checksumMode(ChecksumMode.SHA256).payloadSigning(PayloadSigning.UNSIGNED)
                .build()).isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.key()).isEqualTo("transport.s3.payloadSigning"))
                .hasMessageContaining("SHA256");
    }

    @Test
    void buildNamesEveryInvalidSettingByItsFullKeyAtOnce() {
        assertThatThrownBy(() -> S3TransportConfig.builder().sdkRetries(9).copyPartSize(1).build())
                .isInstanceOfSatisfying(ConfigurationException.class,
                        e -> assertThat(e.key()).isEqualTo("transport.s3.endpoints"))
                .hasMessageContaining("transport.s3.endpoints: at least one endpoint is required")
                .hasMessageContaining("transport.s3.bucket: must not be blank")
                .hasMessageContaining("transport.s3.sdkRetries: must be in [0, 3], was 9")
                .hasMessageContaining("transport.s3.copyPartSize");
    }

    @Test
    void buildCopiesAndNeverChangesTheBuilder() {
        S3TransportConfig.Builder b = valid().tempPrefix("tmp");
        S3TransportConfig first = b.build();
        b.bucket("other").endpoint(URI.create("http://127.0.0.2:9000"));
        S3TransportConfig second = b.build();
        assertThat(first.bucket()).isEqualTo("b");
        assertThat(first.endpoints()).hasSize(1);
        assertThat(second.bucket()).isEqualTo("other");
        assertThat(second.endpoints()).hasSize(2);
        assertThat(first.tempPrefix()).isEqualTo("tmp/");

        S3TransportConfig reopened = first.toBuilder().sdkRetries(0).build();
        assertThat(reopened.sdkRetries()).isZero();
        assertThat(first.sdkRetries()).isEqualTo(1);
        assertThat(reopened.toString()).isEqualTo(first.toString().replace("sdkRetries=1", "sdkRetries=0"));
    }

    @Test
    void tempPrefixGetsATrailingSlash() {
        assertThat(valid().tempPrefix("tmp").build().tempPrefix()).isEqualTo("tmp/");
    }

    @Test
    void capabilitiesFollowTheWriteMode() {
        assertThat(S3Transport.capabilitiesOf(valid().build()).writeMode()).isEqualTo(WriteMode.ALIGNED_PARTS);
        assertThat(S3Transport.capabilitiesOf(valid().build()).minRangeSize()).isEqualTo(5L << 20);
        assertThat(S3Transport.capabilitiesOf(valid().build()).maxRanges()).isEqualTo(10_000);
        assertThat(S3Transport.capabilitiesOf(valid().writeMode(S3WriteMode.OFFSET_WRITE).build()).writeMode())
                .isEqualTo(WriteMode.RANDOM_OFFSET);
        assertThat(S3Transport.capabilitiesOf(valid().writeMode(S3WriteMode.APPEND).build()).writeMode())
                .isEqualTo(WriteMode.APPEND_ONLY);
        assertThat(S3Transport.capabilitiesOf(valid().writeMode(S3WriteMode.APPEND)
                .appendDialect(AppendDialect.S3_EXPRESS).build()).maxRanges()).isEqualTo(10_000);
        assertThat(S3Transport.capabilitiesOf(valid().readBackVerification(true).build()).reportsChecksum()).isTrue();
    }

    @Test
    void requestShapesExpandTheirTemplates() {
        assertThat(RequestShape.DELL_ECS.headersFor(10, 5)).containsEntry("Range", "bytes=10-14");
        assertThat(RequestShape.HUAWEI_OBS_PFS.queryFor(8, 2)).containsExactly(
                Map.entry("modify", ""), Map.entry("position", "8"));
    }
}
