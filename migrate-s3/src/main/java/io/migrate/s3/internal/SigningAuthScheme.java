package io.migrate.s3.internal;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
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
 * SigV4 with {@code UNSIGNED-PAYLOAD} over plain http too ({@code unsignedPayload(true)}). The
 * SDK signs the payload of every http request, which means hashing every byte with SHA-256 (and
 * streaming chunk signatures); over https it already sends {@code UNSIGNED-PAYLOAD}. SigV4's
 * canonical request does not contain the scheme, so the request is signed as if it were https
 * and sent as http; the Host header is fixed first so the scheme's default port cannot change it.
 * Stateless and thread-safe.
 */
final class UnsignedPayloadAuthScheme implements AuthScheme<AwsCredentialsIdentity> {
    private final HttpSigner<AwsCredentialsIdentity> signer = new Signer(AwsV4HttpSigner.create());

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

        Signer(HttpSigner<AwsCredentialsIdentity> v4) {
            this.v4 = v4;
        }

        @Override
        public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
            SdkHttpRequest http = request.request();
            if (!"http".equals(http.protocol())) {
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
