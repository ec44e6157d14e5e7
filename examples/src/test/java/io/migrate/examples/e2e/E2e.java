package io.migrate.examples.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks an end-to-end scenario: tagged {@code e2e}, given the {@link SharedServers} as a
 * test-method parameter, and bounded in time so a hang fails the
 * scenario instead of the CI job.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("e2e")
@ExtendWith(SharedServers.Resolver.class)
@Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
@interface E2e {
}
