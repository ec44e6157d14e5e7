package io.migrate.s3.internal;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * SigV4 as the SDK does it, with two changes for third-party stores.
 *
 * <ul>
 *   <li><b>An empty body is never sent {@code aws-chunked}.</b> Over http the SDK streams
 *       PutObject and UploadPart bodies as signed {@code aws-chunked} chunks; for an empty body
 *       that is a single final chunk, which Ceph RGW 16 rejects with {@code 400
 *       XAmzContentSHA256Mismatch} (every 0-byte file, directory marker and offset-write
 *       placeholder failed there). An empty body is signed whole instead: its SHA-256 is the
 *       constant of the empty string, so nothing is lost.</li>
 *   <li>With unsigned payloads ({@link io.migrate.s3.PayloadSigning}): {@code UNSIGNED-PAYLOAD} over plain http too. The
 *       SDK signs the payload of every http request, which means hashing every byte with SHA-256
 *       (and streaming chunk signatures); over https it already sends {@code UNSIGNED-PAYLOAD}.
 *       SigV4's canonical request does not contain the scheme, so the request is signed as if it
 *       were https and sent as http; the Host header is fixed first so the scheme's default port
 *       cannot change it.</li>
 *   <li>With {@link io.migrate.s3.ChecksumMode#SHA256}: every body is signed whole, over http and
 *       https: {@code x-amz-content-sha256} is the SHA-256 of the whole body (one pass, in
 *       hardware where the CPU has SHA instructions), sent as it is, not {@code aws-chunked},
 *       whose framing and per-chunk signatures cost more; the store verifies the hash before it
 *       stores anything.</li>
 *   <li>A request carrying {@link ChecksumProbe#SIGN_WHOLE} (only {@link ChecksumProbe} sends it) is signed
 *       whole, with the SHA-256 of its own body ({@code own}) or of as many zero bytes
 *       ({@code other}): how the probe asks whether the store verifies that hash. The header is
 *       removed before signing.</li>
 * </ul>
 *
 * Thread-safe; the only state is the shared switches in {@link StoreTraits}, set once after the start probes.
 */
final class SigningAuthScheme implements AuthScheme<AwsCredentialsIdentity> {
    private final HttpSigner<AwsCredentialsIdentity> signer;

    /** @param traits whether to send {@code UNSIGNED-PAYLOAD} over http as well (read per request) */
    SigningAuthScheme(StoreTraits traits) {
        this.signer = new Signer(AwsV4HttpSigner.create(), traits);
    }

    @Override
    public String schemeId() {
        return AwsV4AuthScheme.SCHEME_ID;
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return providers.identityProvider(AwsCredentialsIdentity.class);
    }

    @Override
    public HttpSigner<AwsCredentialsIdentity> signer() {
        return signer;
    }

    private static final class Signer implements HttpSigner<AwsCredentialsIdentity> {
        private final HttpSigner<AwsCredentialsIdentity> v4;
        private final StoreTraits traits;

        Signer(HttpSigner<AwsCredentialsIdentity> v4, StoreTraits traits) {
            this.v4 = v4;
            this.traits = traits;
        }

        @Override
        public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
            if (isEmpty(request)) {
                request = request.copy(b -> b.putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false));
            }
            SdkHttpRequest http = request.request();
            String probe = http.firstMatchingHeader(ChecksumProbe.SIGN_WHOLE).orElse(null);
            if (probe != null) {
                SignRequest<? extends AwsCredentialsIdentity> unmarked = request.copy(b -> b.request(
                        http.toBuilder().removeHeader(ChecksumProbe.SIGN_WHOLE).build()));
                return "other".equals(probe) ? signWholeWithOtherBody(unmarked) : v4.sign(wholeBody(unmarked));
            }
            if (traits.signedWholeBody() && request.payload().isPresent()) {
                return v4.sign(wholeBody(request));
            }
            if (!traits.unsignedPayload() || !"http".equals(http.protocol())) {
                return v4.sign(request);
            }
            SignedRequest signed = v4.sign(request.copy(b -> b.request(asHttps(http))
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)));
            return signed.copy(b -> b.request(signed.request().toBuilder().protocol("http").build()));
        }

        @Override
        public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
            return v4.signAsync(request); // the transport's clients are synchronous
        }

        private static SignRequest<? extends AwsCredentialsIdentity> wholeBody(
                SignRequest<? extends AwsCredentialsIdentity> request) {
            return request.copy(b -> b.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                    .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false));
        }

        private SignedRequest signWholeWithOtherBody(SignRequest<? extends AwsCredentialsIdentity> request) {
            ContentStreamProvider body = request.payload().orElseThrow();
            long length;
            try (InputStream in = body.newStream()) {
                length = in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            ContentStreamProvider zeros = () -> new java.io.ByteArrayInputStream(new byte[Math.toIntExact(length)]);
            SignedRequest signed = v4.sign(wholeBody(request.copy(b -> b.payload(zeros))));
            return signed.copy(b -> b.payload(body));
        }

        /** Whether the request has no body: no payload, or a declared length of 0. */
        private static boolean isEmpty(SignRequest<? extends AwsCredentialsIdentity> request) {
            return request.payload().isEmpty() || request.request().firstMatchingHeader("Content-Length")
                    .map(v -> "0".equals(v.trim())).orElse(false);
        }

        private static SdkHttpRequest asHttps(SdkHttpRequest http) {
            SdkHttpRequest.Builder b = http.toBuilder().protocol("https");
            if (http.firstMatchingHeader("Host").isEmpty()) {
                b.putHeader("Host", SdkHttpUtils.isUsingStandardPort(http.protocol(), http.port())
                        ? http.host() : http.host() + ":" + http.port());
            }
            return b.build();
        }
    }
}
