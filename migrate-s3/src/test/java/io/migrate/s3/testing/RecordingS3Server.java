package io.migrate.s3.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A tiny HTTP server that records every request and answers with a scripted response: to check
 * the exact request shapes the S3 transport sends to stores no local server implements
 * (offset writes, appends), and to answer with vendor error bodies (quota, throttling) on chosen
 * requests. Not an S3 implementation. Binds a free port on 127.0.0.1.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class RecordingS3Server implements AutoCloseable {
    /**
     * A received request.
     *
     * @param method HTTP method
     * @param path raw path ({@code /bucket/key})
     * @param query raw query string, or null
     * @param headers headers, names lower case, first value
     * @param bodyLength bytes in the (possibly aws-chunked) body
     */
    public record Request(String method, String path, String query, Map<String, String> headers, long bodyLength) {
        /** @return the header, or null; the name in any case */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * A scripted answer.
     *
     * @param status HTTP status
     * @param headers response headers
     * @param body response body (XML), may be empty
     */
    public record Response(int status, Map<String, String> headers, String body) {
        /** @return 200 with an ETag, the answer to a successful PUT */
        public static Response ok() {
            return new Response(200, Map.of("ETag", "\"0123456789abcdef0123456789abcdef\""), "");
        }

        /**
         * @param status HTTP status
         * @param code S3 error code
         * @param headers extra headers
         * @return an S3 error answer
         */
        public static Response error(int status, String code, Map<String, String> headers) {
            return new Response(status, headers, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                    + "</Code><Message>scripted " + code + "</Message><RequestId>r1</RequestId></Error>");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Response> responder = r -> Response.ok();

    private RecordingS3Server() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "recording-s3");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @return a running server answering 200 to everything until {@link #respondWith} says otherwise
     * @throws IOException if it cannot bind
     */
    public static RecordingS3Server start() throws IOException {
        return new RecordingS3Server();
    }

    /** @param responder decides the answer to each request */
    public void respondWith(Function<Request, Response> responder) {
        this.responder = responder;
    }

    /** @return {@code http://127.0.0.1:PORT} */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @return every request so far, in arrival order (a snapshot) */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Forgets the recorded requests. */
    public void clear() {
        requests.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            long n;
            try (InputStream in = ex.getRequestBody()) {
                n = in.transferTo(OutputStream.nullOutputStream());
            }
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            Request r = new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                    ex.getRequestURI().getRawQuery(), Map.copyOf(headers), n);
            requests.add(r);
            Response resp = responder.apply(r);
            resp.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            byte[] body = resp.body().getBytes(StandardCharsets.UTF_8);
            if (!resp.headers().containsKey("Content-Type") && body.length > 0) {
                ex.getResponseHeaders().add("Content-Type", "application/xml");
            }
            boolean head = "HEAD".equals(r.method());
            ex.sendResponseHeaders(resp.status(), head || body.length == 0 ? -1 : body.length);
            if (!head && body.length > 0) {
                ex.getResponseBody().write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
