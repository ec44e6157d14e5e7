package io.migrate.s3.internal;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.node.spi.TransportProvider;
import io.migrate.s3.AppendDialect;
import io.migrate.s3.ChecksumMode;
import io.migrate.s3.ConditionalWrites;
import io.migrate.s3.PayloadSigning;
import io.migrate.s3.RequestShape;
import io.migrate.s3.S3Transport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.s3.S3WriteMode;
import io.migrate.transport.Transport;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * {@code transport.type=s3}: reads {@code transport.s3.*} (every key is in
 * {@code docs/configuration.md}). Credentials: {@code accessKey} + {@code secretKey}, or, when
 * both are absent, the AWS SDK's default provider chain. Absent keys keep the
 * {@link S3TransportConfig} defaults.
 */
public final class S3TransportProvider implements TransportProvider {
    /** ServiceLoader constructor. */
    public S3TransportProvider() {
    }

    @Override
    public String type() {
        return "s3";
    }

    @Override
    public Transport create(Settings settings) {
        return S3Transport.create(config(settings));
    }

    /**
     * @param settings the {@code transport.} settings
     * @return the configuration their {@code s3.} keys describe (validated)
     * @throws io.migrate.error.ConfigurationException naming the first bad key
     */
    public static S3TransportConfig config(Settings settings) {
        Settings s = settings.under("s3.");
        List<String> endpoints = s.list("endpoints");
        if (endpoints.isEmpty()) {
            throw new ConfigurationException(s.fullKey("endpoints"), "is required: comma-separated http(s):// URIs");
        }
        S3TransportConfig.Builder b = S3TransportConfig.builder()
                .endpoints(endpoints.stream().map(URI::create).toList())
                .bucket(s.required("bucket", "the destination bucket"));
        s.optional("region").ifPresent(b::region);
        var access = s.optional("accessKey");
        var secret = s.optional("secretKey");
        if (access.isPresent() != secret.isPresent()) {
            throw new ConfigurationException(s.fullKey("secretKey"),
                    "set both " + s.fullKey("accessKey") + " and " + s.fullKey("secretKey") + ", or neither");
        }
        access.ifPresent(a -> b.credentials(a, secret.get()));
        S3WriteMode mode = s.enumValue("writeMode", S3WriteMode.class, S3WriteMode.MULTIPART);
        b.writeMode(mode);
        s.optional("offsetWrite.dialect").ifPresent(d -> b.offsetWriteShape(offsetShape(s, d)));
        s.optional("append.dialect").ifPresent(d -> b.appendDialect(appendDialect(s, d)));
        s.optional("tempPrefix").ifPresent(b::tempPrefix);
        s.optional("createParentMarkers").ifPresent(v -> b.createParentMarkers(s.bool("createParentMarkers", false)));
        List<String> quota = s.list("quotaErrorCodes");
        if (!quota.isEmpty()) {
            b.quotaErrorCodes(new LinkedHashSet<>(quota));
        }
        s.optional("connectTimeout").ifPresent(v -> b.connectTimeout(s.duration("connectTimeout", null)));
        s.optional("socketTimeout").ifPresent(v -> b.socketTimeout(s.duration("socketTimeout", null)));
        s.optional("apiCallAttemptTimeout").ifPresent(v -> b.apiCallAttemptTimeout(s.duration("apiCallAttemptTimeout", null)));
        s.optional("sdkRetries").ifPresent(v -> b.sdkRetries(s.integer("sdkRetries", 0, 0, 10)));
        s.optional("sessionsPerEndpoint").ifPresent(v -> b.sessionsPerEndpoint(s.integer("sessionsPerEndpoint", 0, 1, 4096)));
        s.optional("sessionBorrowTimeout").ifPresent(v -> b.sessionBorrowTimeout(s.duration("sessionBorrowTimeout", null)));
        s.optional("sessionIdleTimeout").ifPresent(v -> b.sessionIdleTimeout(s.duration("sessionIdleTimeout", null)));
        s.optional("sessionValidationInterval")
                .ifPresent(v -> b.sessionValidationInterval(s.duration("sessionValidationInterval", null)));
        s.optional("serverErrorsBeforeFailover")
                .ifPresent(v -> b.serverErrorsBeforeFailover(s.integer("serverErrorsBeforeFailover", 0, 0, 100)));
        s.optional("checksumMode").ifPresent(v -> b.checksumMode(s.enumValue("checksumMode", ChecksumMode.class, null)));
        s.optional("directMultipartCommit").ifPresent(v -> b.directMultipartCommit(s.bool("directMultipartCommit", false)));
        s.optional("directPut").ifPresent(v -> b.directPut(s.bool("directPut", true)));
        s.optional("payloadSigning").ifPresent(v -> b.payloadSigning(
                s.enumValue("payloadSigning", PayloadSigning.class, PayloadSigning.AUTO)));
        s.optional("unsignedPayload").ifPresent(v -> b.unsignedPayload(s.bool("unsignedPayload", false)));
        s.optional("readBackVerification").ifPresent(v -> b.readBackVerification(s.bool("readBackVerification", false)));
        s.optional("multipartCopyThreshold")
                .ifPresent(v -> b.multipartCopyThreshold(s.bytes("multipartCopyThreshold", 0, 1, Long.MAX_VALUE)));
        s.optional("copyPartSize").ifPresent(v -> b.copyPartSize(s.bytes("copyPartSize", 0, 1, Long.MAX_VALUE)));
        s.optional("staleUploadAge").ifPresent(v -> b.staleUploadAge(s.duration("staleUploadAge", null)));
        s.optional("staleUploadSweepInterval")
                .ifPresent(v -> b.staleUploadSweepInterval(s.durationOrOff("staleUploadSweepInterval", null)));
        s.optional("conditionalWrites").ifPresent(v -> b.conditionalWrites(
                s.enumValue("conditionalWrites", ConditionalWrites.class, ConditionalWrites.PROBE)));
        return b.build();
    }

    private static RequestShape offsetShape(Settings s, String dialect) {
        return switch (dialect) {
            case "dell-ecs" -> RequestShape.DELL_ECS;
            case "huawei-obs-pfs" -> RequestShape.HUAWEI_OBS_PFS;
            case "custom" -> customShape(s.under("offsetWrite."));
            default -> throw new ConfigurationException(s.fullKey("offsetWrite.dialect"),
                    "must be one of [dell-ecs, huawei-obs-pfs, custom], was '" + dialect + "'");
        };
    }

    private static AppendDialect appendDialect(Settings s, String dialect) {
        return switch (dialect) {
            case "s3-express" -> AppendDialect.S3_EXPRESS;
            case "ceph-rgw" -> AppendDialect.CEPH_RGW;
            case "alibaba-oss" -> AppendDialect.ALIBABA_OSS;
            case "huawei-obs" -> AppendDialect.HUAWEI_OBS;
            case "tencent-cos" -> AppendDialect.TENCENT_COS;
            case "custom" -> AppendDialect.custom("custom", customShape(s.under("append.")),
                    s.optional("append.nextPositionHeader").orElse(null));
            default -> throw new ConfigurationException(s.fullKey("append.dialect"),
                    "must be one of [s3-express, ceph-rgw, alibaba-oss, huawei-obs, tencent-cos, custom], was '"
                            + dialect + "'");
        };
    }

    /** {@code method}, {@code query} and {@code headers} as {@code name:template} pairs. */
    private static RequestShape customShape(Settings s) {
        Map<String, String> query = s.pairs("query");
        Map<String, String> headers = s.pairs("headers");
        return RequestShape.of(s.required("method", "the HTTP method, e.g. PUT or POST"), query, headers);
    }
}
