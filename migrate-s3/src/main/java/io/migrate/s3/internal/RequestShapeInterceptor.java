package io.migrate.s3.internal;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Turns a {@code PutObject} into a vendor's offset-write or append request: sets the method,
 * adds query parameters (a bare {@code ?modify} when the value is empty) and headers. It runs
 * in {@code modifyHttpRequest}, before the request is signed, so the result is signed as sent.
 *
 * <p>Thread-safe (stateless); the shape travels with each request as an execution attribute.
 */
public final class RequestShapeInterceptor implements ExecutionInterceptor {
    /** The shape of one request; absent for plain requests. */
    public static final ExecutionAttribute<Shape> SHAPE = new ExecutionAttribute<>("migrate.requestShape");

    /**
     * One request's changes.
     *
     * @param method HTTP method
     * @param query query parameters to add (empty value = bare parameter)
     * @param headers headers to set
     */
    public record Shape(String method, Map<String, String> query, Map<String, String> headers) {
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Shape shape = attributes.getAttribute(SHAPE);
        if (shape == null) {
            return context.httpRequest();
        }
        SdkHttpRequest.Builder b = context.httpRequest().toBuilder();
        b.method(SdkHttpMethod.fromValue(shape.method()));
        shape.query().forEach((k, v) -> {
            List<String> values = v.isEmpty() ? Collections.singletonList(null) : List.of(v);
            b.putRawQueryParameter(k, values);
        });
        shape.headers().forEach(b::putHeader);
        return b.build();
    }
}
