package org.inginious.grading.build;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.inginious.grading.build.jib.BuildFailure;
import org.inginious.grading.build.jib.BuildResult;
import org.inginious.grading.build.jib.JibImageBuilder;
import org.inginious.grading.build.jib.LayersBuildRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process builds, off the reconciler threads: a bounded pool runs them, the reconciler asks for
 * the state of the build of a given hash, and completion is announced through a callback (an
 * event for the environment). One build per environment: a new hash supersedes a running one.
 */
public class LayersBuilds implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LayersBuilds.class);

  public sealed interface State permits Running, Succeeded, Failed {
    String hash();
    Instant startTime();
  }

  public record Running(String hash, Instant startTime) implements State {}

  public record Succeeded(String hash, Instant startTime, Instant completionTime, BuildResult result) implements State {}

  /** @param retryAt when a new attempt of the same hash may start (backoff doubles per failure) */
  public record Failed(String hash, Instant startTime, Instant completionTime, String reason, String message, Instant retryAt)
      implements State {}

  private record Entry(State state, Future<?> future, int failures) {}

  private final JibImageBuilder builder;
  private final ExecutorService pool;
  private final Consumer<ResourceID> onCompletion;
  private final Clock clock;
  private final Duration initialRetry;
  private final Duration maxRetry;
  private final Map<ResourceID, Entry> builds = new ConcurrentHashMap<>();
  private final BuildListener listener;

  /** Told about every finished build (metrics). */
  public interface BuildListener {
    void finished(String strategy, String outcome, Duration duration);

    BuildListener NONE = (strategy, outcome, duration) -> {};
  }

  public LayersBuilds(JibImageBuilder builder, int maxConcurrent, Consumer<ResourceID> onCompletion, Clock clock,
      Duration initialRetry, Duration maxRetry, BuildListener listener) {
    this.builder = builder;
    AtomicInteger threads = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(maxConcurrent, r -> {
      Thread thread = new Thread(r, "jib-build-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.onCompletion = onCompletion;
    this.clock = clock;
    this.initialRetry = initialRetry;
    this.maxRetry = maxRetry;
    this.listener = listener;
  }

  /** The build of this hash for this environment, if one ran or runs. */
  public Optional<State> state(ResourceID environment, String hash) {
    Entry entry = builds.get(environment);
    return entry == null || !entry.state().hash().equals(hash) ? Optional.empty() : Optional.of(entry.state());
  }

  /** Starts a build; one of another hash still running for the environment is cancelled. */
  public synchronized State start(ResourceID environment, LayersBuildRequest request, String hash) {
    Entry previous = builds.get(environment);
    int failures = 0;
    if (previous != null) {
      if (previous.state() instanceof Running && previous.state().hash().equals(hash)) {
        return previous.state();
      }
      if (previous.state() instanceof Running) {
        LOG.info("Build {} of {} superseded by {}", previous.state().hash(), environment, hash);
        previous.future().cancel(true);
      }
      if (previous.state() instanceof Failed && previous.state().hash().equals(hash)) {
        failures = previous.failures();
      }
    }
    Instant start = clock.instant();
    Running running = new Running(hash, start);
    int failuresSoFar = failures;
    Future<?> future = pool.submit(() -> run(environment, request, running, failuresSoFar));
    builds.put(environment, new Entry(running, future, failures));
    return running;
  }

  private void run(ResourceID environment, LayersBuildRequest request, Running running, int failuresSoFar) {
    State outcome;
    int failures = failuresSoFar;
    try {
      BuildResult result = builder.build(request);
      outcome = new Succeeded(running.hash(), running.startTime(), clock.instant(), result);
      failures = 0;
    } catch (BuildFailure e) {
      failures++;
      outcome = failed(running, e.reason().conditionReason(), e.getMessage(), failures);
    } catch (RuntimeException e) {
      failures++;
      LOG.warn("Build of {} failed unexpectedly", environment, e);
      outcome = failed(running, "BuildFailed", String.valueOf(e.getMessage()), failures);
    }
    if (Thread.currentThread().isInterrupted()) {
      return; // superseded: the newer build owns the entry
    }
    synchronized (this) {
      Entry current = builds.get(environment);
      if (current == null || current.state() != running) {
        return;
      }
      builds.put(environment, new Entry(outcome, null, failures));
    }
    listener.finished("jib", outcome instanceof Succeeded ? "succeeded"
        : "BuildTimeout".equals(((Failed) outcome).reason()) ? "timeout" : "failed",
        Duration.between(running.startTime(), clock.instant()));
    onCompletion.accept(environment);
  }

  private Failed failed(Running running, String reason, String message, int failures) {
    Instant now = clock.instant();
    long factor = 1L << Math.min(failures - 1, 20);
    Duration delay = initialRetry.multipliedBy(factor);
    if (delay.compareTo(maxRetry) > 0) {
      delay = maxRetry;
    }
    return new Failed(running.hash(), running.startTime(), now, reason, message, now.plus(delay));
  }

  /** The environment is gone: cancel its build and forget it. */
  public void forget(ResourceID environment) {
    Entry entry = builds.remove(environment);
    if (entry != null && entry.future() != null) {
      entry.future().cancel(true);
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
