package io.migrate.examples.e2e;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A small HTTP/1.1 reverse proxy in front of one S3 endpoint, for fault injection the S3 server
 * cannot do itself: it sees every request head (observers may look at it or hold it), and
 * answers chosen requests with an S3 error of its own (for example {@code QuotaExceeded}) instead
 * of forwarding them. Everything else is copied byte for byte both ways, so AWS signatures stay
 * valid (the {@code Host} header is not rewritten: clients sign for the proxy's address, which is
 * the address they were given).
 *
 * <p>Threads: one acceptor ({@code e2e-proxy-accept}) and two per client connection (requests
 * parsed client to server, responses copied raw server to client). A connection whose upstream
 * refuses is closed at once, which the client sees as a dead endpoint. Observers run on the
 * connection's request thread: a blocking observer holds that request.
 */
final class FaultProxy implements Closeable {
    private static final int MAX_HEAD = 64 * 1024;

    /** One request as the proxy saw it (headers lower-cased). */
    record Request(String method, String path, String query, Map<String, String> headers) {
        /** @return the object key (path without the bucket), percent-decoded; empty for bucket requests */
        String key() {
            String p = path.startsWith("/") ? path.substring(1) : path;
            int slash = p.indexOf('/');
            return slash < 0 ? "" : p.substring(slash + 1);
        }

        /** @return the key the upload is for: a temp key {@code .migrate-tmp/<token>/<key>} without its prefix */
        String targetKey() {
            return UploadTracker.targetOf(key()).orElse(key());
        }

        boolean writes() {
            return method.equals("PUT") || method.equals("POST");
        }
    }

    private volatile InetSocketAddress upstream; // replaced by retarget(); read per connection
    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Consumer<Request>> observers = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicLong injected = new AtomicLong();
    private final AtomicLong forwardedWrites = new AtomicLong();
    private volatile boolean closed;

    private record Fault(Predicate<Request> when, int status, String code, String message) {
    }

    private FaultProxy(URI upstream) throws IOException {
        this.upstream = new InetSocketAddress(upstream.getHost(), upstream.getPort());
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "e2e-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * @param upstream the S3 endpoint to forward to
     * @return a running proxy on a free port of 127.0.0.1
     * @throws IOException if no port can be bound
     */
    static FaultProxy start(URI upstream) throws IOException {
        return new FaultProxy(upstream);
    }

    /** @return {@code http://127.0.0.1:PORT} of the proxy */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /**
     * Forwards new connections to another server from now on (a restarted endpoint on a new
     * port); open connections keep their server until they close.
     *
     * @param newUpstream the server
     */
    void retarget(URI newUpstream) {
        upstream = new InetSocketAddress(newUpstream.getHost(), newUpstream.getPort());
    }

    /** @param observer called with every request head before it is forwarded (may block to hold it) */
    void observe(Consumer<Request> observer) {
        observers.add(observer);
    }

    /**
     * Answers matching requests with an S3 error instead of forwarding them.
     *
     * @param when which requests
     * @param status HTTP status
     * @param code S3 error code ({@code <Code>})
     */
    void fail(Predicate<Request> when, int status, String code) {
        faults.add(new Fault(when, status, code, "injected by the e2e fault proxy"));
    }

    /** @return how many error responses were injected */
    long injected() {
        return injected.get();
    }

    /** @return PUT and POST requests forwarded to the server so far */
    long forwardedWrites() {
        return forwardedWrites.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.put(client, Boolean.TRUE);
                Thread t = new Thread(() -> serve(client), "e2e-proxy-conn-" + threads.incrementAndGet());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("e2e proxy accept failed: " + e);
                }
            }
        }
    }

    private void serve(Socket client) {
        Socket up = new Socket();
        try (client; up) {
            try {
                up.connect(upstream, 2_000);
            } catch (IOException refused) {
                return; // upstream down: the client sees the connection closed
            }
            open.put(up, Boolean.TRUE);
            InputStream in = client.getInputStream();
            OutputStream toUp = up.getOutputStream();
            OutputStream toClient = client.getOutputStream();
            Thread pump = new Thread(() -> pump(up, client), "e2e-proxy-pump-" + threads.incrementAndGet());
            pump.setDaemon(true);
            pump.start();
            while (!closed) {
                byte[] head = readHead(in);
                if (head == null) {
                    return;
                }
                Request request = parse(head);
                Optional<Fault> fault = faults.stream().filter(f -> f.when.test(request)).findFirst();
                if (fault.isPresent()) {
                    injected.incrementAndGet();
                    respond(toClient, fault.get());
                    return; // Connection: close; the body (if any) is never read
                }
                for (Consumer<Request> o : observers) {
                    o.accept(request);
                }
                if (request.writes()) {
                    forwardedWrites.incrementAndGet();
                }
                toUp.write(head);
                copyBody(request, in, toUp);
                toUp.flush();
            }
        } catch (IOException e) {
            // A side closed the connection: the other side sees it closed, as with a real server.
        } finally {
            open.remove(client);
            open.remove(up);
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed by the other direction
        } finally {
            try {
                to.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private static void respond(OutputStream out, Fault f) throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + f.code + "</Code><Message>"
                + f.message + "</Message><RequestId>e2e-proxy</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + f.status + " Injected\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.length + "\r\nx-amz-request-id: e2e-proxy\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** @return the bytes up to and including CRLFCRLF, or null at end of stream */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            last4 = (last4 << 8) | c;
            if (b.size() > MAX_HEAD) {
                throw new IOException("request head too large");
            }
        }
        return b.toByteArray();
    }

    private static Request parse(byte[] head) {
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] first = lines[0].split(" ");
        String target = first.length > 1 ? first[1] : "/";
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        return new Request(first[0], percentDecode(rawPath), query, headers);
    }

    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void copyBody(Request r, InputStream in, OutputStream out) throws IOException {
        String te = r.headers().getOrDefault("transfer-encoding", "");
        if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String line = readLine(in, out);
                int semi = line.indexOf(';');
                long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    while (!readLine(in, out).isEmpty()) {
                        // trailers
                    }
                    return;
                }
                copy(in, out, size + 2);
            }
        }
        String cl = r.headers().get("content-length");
        if (cl != null) {
            copy(in, out, Long.parseLong(cl));
        }
    }

    /** Reads one CRLF-terminated line, forwarding its bytes; returns it without CRLF. */
    private static String readLine(InputStream in, OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("end of stream in chunked body");
            }
            out.write(c);
            if (prev == '\r' && c == '\n') {
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) c);
            prev = c;
        }
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("end of stream in request body");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    /** Stops accepting and cuts every open connection. Idempotent. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : new ArrayList<>(open.keySet())) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
