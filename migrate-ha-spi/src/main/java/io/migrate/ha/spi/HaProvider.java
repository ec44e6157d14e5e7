package io.migrate.ha.spi;

/**
 * Service-provider interface found through {@link java.util.ServiceLoader}: one per
 * {@code ha.type} value ({@code static}, {@code zookeeper}, {@code ctdb}). A host selects one by
 * adding the dependency and setting {@code ha.type}; see {@code io.migrate.ha.HighAvailability}.
 */
public interface HaProvider {
    /** @return the {@code ha.type} value this provider answers to */
    String type();

    /**
     * @param context node id, task root and {@code ha.*} properties
     * @return a new, not yet started election
     * @throws io.migrate.error.ConfigurationException naming the bad key
     */
    LeaderElection createElection(HaContext context);

    /**
     * @param context node id, task root and {@code ha.*} properties
     * @return a new, not yet started membership
     * @throws io.migrate.error.ConfigurationException naming the bad key
     */
    Membership createMembership(HaContext context);
}
