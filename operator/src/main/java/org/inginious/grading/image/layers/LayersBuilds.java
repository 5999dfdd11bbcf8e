package org.inginious.grading.image.layers;

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
import org.inginious.grading.image.common.Backoff;
import org.inginious.grading.image.common.BuildListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process builds, off the reconciler threads: a bounded pool runs them, the reconciler asks for
 * the state of the build of a given hash, and completion is announced through a callback (an event
 * for the environment). One build per environment: a new hash supersedes a running one.
 */
public class LayersBuilds implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LayersBuilds.class);

  public sealed interface State permits Running, Succeeded, Failed {
    String hash();

    Instant startTime();
  }

  public record Running(String hash, Instant startTime) implements State {}

  public record Succeeded(
      String hash, Instant startTime, Instant completionTime, BuildResult result)
      implements State {}

  /**
   * @param retryAt when a new attempt of the same hash may start (backoff doubles per failure)
   */
  public record Failed(
      String hash,
      Instant startTime,
      Instant completionTime,
      String reason,
      String message,
      Instant retryAt)
      implements State {}

  /**
   * @param failingSince start of the first failed attempt of this hash in a row (null: not failing)
   */
  private record Entry(State state, Future<?> future, Instant failingSince) {}

  private final JibImageBuilder builder;
  private final ExecutorService pool;
  private final Consumer<ResourceID> onCompletion;
  private final Clock clock;
  private final Backoff retries;
  private final Map<ResourceID, Entry> builds = new ConcurrentHashMap<>();
  private final BuildListener listener;

  public LayersBuilds(
      JibImageBuilder builder,
      int maxConcurrent,
      Consumer<ResourceID> onCompletion,
      Clock clock,
      Backoff retries,
      BuildListener listener) {
    this.builder = builder;
    AtomicInteger threads = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            maxConcurrent,
            r -> {
              Thread thread = new Thread(r, "jib-build-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    this.onCompletion = onCompletion;
    this.clock = clock;
    this.retries = retries;
    this.listener = listener;
  }

  /** The build of this hash for this environment, if one ran or runs. */
  public Optional<State> state(ResourceID environment, String hash) {
    Entry entry = builds.get(environment);
    return entry == null || !entry.state().hash().equals(hash)
        ? Optional.empty()
        : Optional.of(entry.state());
  }

  /** Starts a build; one of another hash still running for the environment is cancelled. */
  public synchronized State start(ResourceID environment, LayersBuildRequest request, String hash) {
    Entry previous = builds.get(environment);
    Instant failingSince = null;
    if (previous != null) {
      if (previous.state() instanceof Running && previous.state().hash().equals(hash)) {
        return previous.state();
      }
      if (previous.state() instanceof Running) {
        LOG.info("Build {} of {} superseded by {}", previous.state().hash(), environment, hash);
        previous.future().cancel(true);
      }
      if (previous.state() instanceof Failed && previous.state().hash().equals(hash)) {
        failingSince = previous.failingSince();
      }
    }
    Instant start = clock.instant();
    Running running = new Running(hash, start);
    Instant since = failingSince;
    Future<?> future = pool.submit(() -> run(environment, request, running, since));
    builds.put(environment, new Entry(running, future, failingSince));
    return running;
  }

  private void run(
      ResourceID environment, LayersBuildRequest request, Running running, Instant failingSince) {
    State outcome;
    // a failure continues the run of failures of this hash, or starts one with this attempt
    Instant failing = failingSince != null ? failingSince : running.startTime();
    try {
      BuildResult result = builder.build(request);
      outcome = new Succeeded(running.hash(), running.startTime(), clock.instant(), result);
      failing = null;
    } catch (BuildFailure e) {
      outcome = failed(running, e.reason().conditionReason(), e.getMessage(), failing);
    } catch (RuntimeException e) {
      LOG.warn("Build of {} failed unexpectedly", environment, e);
      outcome =
          failed(
              running,
              BuildFailure.Reason.BUILD_FAILED.conditionReason(),
              String.valueOf(e.getMessage()),
              failing);
    }
    if (Thread.currentThread().isInterrupted()) {
      return; // superseded: the newer build owns the entry
    }
    synchronized (this) {
      Entry current = builds.get(environment);
      if (current == null || current.state() != running) {
        return;
      }
      builds.put(environment, new Entry(outcome, null, failing));
    }
    listener.finished(
        "jib",
        outcome instanceof Succeeded
            ? "succeeded"
            : BuildFailure.Reason.BUILD_TIMEOUT
                    .conditionReason()
                    .equals(((Failed) outcome).reason())
                ? "timeout"
                : "failed",
        Duration.between(running.startTime(), clock.instant()));
    onCompletion.accept(environment);
  }

  private Failed failed(Running running, String reason, String message, Instant failingSince) {
    Instant now = clock.instant();
    return new Failed(
        running.hash(),
        running.startTime(),
        now,
        reason,
        message,
        now.plus(retries.next(failingSince, now)));
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
