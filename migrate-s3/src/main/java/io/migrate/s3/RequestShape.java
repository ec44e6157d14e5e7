package io.migrate.s3;

import io.migrate.internal.Require;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP shape of a vendor's "write these bytes at this offset" request, so a store that
 * offers one plugs in by configuration: the method, query parameters and headers added to an
 * object {@code PUT} of the range's bytes. Values are templates in which {@code {offset}} (first
 * byte), {@code {end}} (last byte, inclusive) and {@code {length}} are replaced; a query
 * parameter whose template is empty is sent bare ({@code ?modify}).
 *
 * <p>Immutable and thread-safe.
 */
public final class RequestShape {
    /** Dell ECS: {@code PUT} with {@code Range: bytes=offset-end}; ranges may go concurrently. */
    public static final RequestShape DELL_ECS =
            new RequestShape("PUT", Map.of(), Map.of("Range", "bytes={offset}-{end}"));
    /** Huawei OBS parallel file system: {@code PUT ?modify&position=offset}; concurrent. */
    public static final RequestShape HUAWEI_OBS_PFS =
            new RequestShape("PUT", orderedMap("modify", "", "position", "{offset}"), Map.of());

    private final String method;
    private final Map<String, String> query;
    private final Map<String, String> headers;

    private RequestShape(String method, Map<String, String> query, Map<String, String> headers) {
        this.method = method;
        this.query = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(query));
        this.headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /**
     * A custom request shape.
     *
     * @param method {@code PUT} or {@code POST}
     * @param queryTemplate query parameters (name to value template, iteration order kept)
     * @param headerTemplate headers (name to value template, iteration order kept)
     * @return the shape
     * @throws io.migrate.error.ConfigurationException if the method is neither PUT nor POST or
     *     a template is null
     */
    public static RequestShape of(String method, Map<String, String> queryTemplate, Map<String, String> headerTemplate) {
        String m = Require.nonBlank("requestShape.method", method).toUpperCase(java.util.Locale.ROOT);
        if (!m.equals("PUT") && !m.equals("POST")) {
            throw new io.migrate.error.ConfigurationException("requestShape.method", "must be PUT or POST, was " + method);
        }
        Require.nonNull("requestShape.queryTemplate", queryTemplate);
        Require.nonNull("requestShape.headerTemplate", headerTemplate);
        return new RequestShape(m, queryTemplate, headerTemplate);
    }

    static Map<String, String> orderedMap(String k1, String v1, String k2, String v2) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    /** @return the HTTP method, PUT or POST */
    public String method() {
        return method;
    }

    /** @return query parameter templates, in order (immutable) */
    public Map<String, String> queryTemplate() {
        return query;
    }

    /** @return header templates, in order (immutable) */
    public Map<String, String> headerTemplate() {
        return headers;
    }

    /**
     * @param offset first byte of the range
     * @param length bytes in the range
     * @return the query parameters for that range, in order
     */
    public Map<String, String> queryFor(long offset, long length) {
        return expand(query, offset, length);
    }

    /**
     * @param offset first byte of the range
     * @param length bytes in the range
     * @return the headers for that range, in order
     */
    public Map<String, String> headersFor(long offset, long length) {
        return expand(headers, offset, length);
    }

    private static Map<String, String> expand(Map<String, String> templates, long offset, long length) {
        Map<String, String> out = new LinkedHashMap<>();
        String end = Long.toString(offset + Math.max(length, 1) - 1);
        templates.forEach((k, v) -> out.put(k, v
                .replace("{offset}", Long.toString(offset))
                .replace("{end}", end)
                .replace("{length}", Long.toString(length))));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestShape r && r.method.equals(method) && r.query.equals(query) && r.headers.equals(headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, query, headers);
    }

    @Override
    public String toString() {
        return method + " query=" + query + " headers=" + headers;
    }
}
