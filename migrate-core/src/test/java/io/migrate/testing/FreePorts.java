package io.migrate.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Loopback ports that are free when asked for, for a server a test starts as a child process.
 * Several ports for one server are taken while all their sockets are open, so they differ: two
 * sockets opened and closed one after the other may be given the same port (CI: a Kafka broker
 * got one port for both its listeners and refused to start).
 */
public final class FreePorts {
    private FreePorts() {
    }

    /**
     * @param count how many ports
     * @return {@code count} distinct ports, free a moment ago (another process may take one before
     *     the server binds it; the server's start then fails and says so)
     * @throws IOException if no port can be had
     */
    public static int[] distinct(int count) throws IOException {
        List<ServerSocket> open = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                open.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
    }
}
