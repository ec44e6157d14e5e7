package io.migrate.examples.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks an end-to-end scenario: tagged {@code e2e}, given the {@link SharedServers} as a
 * test-method parameter. Each scenario is bounded in time by the failsafe configuration
 * ({@code e2e.timeout}, 8 min; longer with {@code -Pchaos}), so a hang fails the scenario instead
 * of the CI job.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("e2e")
@ExtendWith(SharedServers.Resolver.class)
@interface E2e {
}
