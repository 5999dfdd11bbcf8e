package org.inginious.grading.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the Events of {@link StatusEvents} (core/v1, what {@code kubectl describe} lists), so that
 * a retry loop cannot flood the API server: the same event of the same environment again within
 * {@link #SAME_EVENT_WINDOW} raises the count of the first one (a patch, as kubectl's recorder
 * does), and an environment creates at most {@link #MAX_PER_WINDOW} events per window. Memory is
 * bounded: at most {@link #MAX_TRACKED} environments and events are remembered.
 */
public final class EnvironmentEvents {
  static final Duration SAME_EVENT_WINDOW = Duration.ofMinutes(10);
  static final int MAX_PER_WINDOW = 10;
  static final int MAX_TRACKED = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(EnvironmentEvents.class);
  private static final String COMPONENT = "grading-environment-operator";

  /** Events no one writes: the mock tier's default when a test does not look at events. */
  public static final EnvironmentEvents NONE = new EnvironmentEvents(null, Clock.systemUTC());

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance = System.getenv().getOrDefault("POD_NAME", "operator");
  private final Map<String, Sent> sent = bounded();
  private final Map<String, Deque<Instant>> created = bounded();

  private record Sent(String namespace, String name, int count, Instant first) {}

  public EnvironmentEvents(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  void record(
      GradingEnvironment environment,
      GradingEnvironmentStatus before,
      GradingEnvironmentStatus after) {
    if (client == null) {
      return;
    }
    for (StatusEvents.Event event : StatusEvents.between(before, after)) {
      try {
        write(environment, event);
      } catch (KubernetesClientException e) {
        // an event is worth less than the reconcile that tells it
        LOG.debug(
            "Could not record event {} of {}: {}",
            event.reason(),
            EnvironmentEventSources.key(environment),
            ApiErrors.describe(e));
      }
    }
  }

  private void write(GradingEnvironment environment, StatusEvents.Event event) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String uid = environment.getMetadata().getUid();
    String key = uid + "/" + event.reason() + "/" + event.message();
    Sent previous;
    synchronized (this) {
      previous = sent.get(key);
      if (previous != null && previous.first().plus(SAME_EVENT_WINDOW).isAfter(now)) {
        sent.put(
            key,
            new Sent(
                previous.namespace(), previous.name(), previous.count() + 1, previous.first()));
      } else if (!allowCreate(uid, now)) {
        LOG.debug(
            "Event {} of {} dropped: more than {} in {}",
            event.reason(),
            EnvironmentEventSources.key(environment),
            MAX_PER_WINDOW,
            SAME_EVENT_WINDOW);
        return;
      } else {
        previous = null;
      }
    }
    if (previous != null) {
      client
          .v1()
          .events()
          .inNamespace(previous.namespace())
          .withName(previous.name())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":" + (previous.count() + 1) + ",\"lastTimestamp\":\"" + now + "\"}");
      return;
    }
    String name =
        environment.getMetadata().getName()
            + "."
            + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    Event created =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(environment.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(environment.getApiVersion())
            .withKind(environment.getKind())
            .withNamespace(environment.getMetadata().getNamespace())
            .withName(environment.getMetadata().getName())
            .withUid(uid)
            .endInvolvedObject()
            .withType(event.warning() ? "Warning" : "Normal")
            .withReason(event.reason())
            .withMessage(
                event.message().length() > 1024
                    ? event.message().substring(0, 1021) + "..."
                    : event.message())
            .withCount(1)
            .withFirstTimestamp(now.toString())
            .withLastTimestamp(now.toString())
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    client
        .v1()
        .events()
        .inNamespace(environment.getMetadata().getNamespace())
        .resource(created)
        .create();
    synchronized (this) {
      sent.put(key, new Sent(environment.getMetadata().getNamespace(), name, 1, now));
    }
  }

  /** At most MAX_PER_WINDOW new events per environment in any window. */
  private boolean allowCreate(String uid, Instant now) {
    Deque<Instant> times = created.computeIfAbsent(uid, u -> new ArrayDeque<>());
    while (!times.isEmpty() && !times.peekFirst().plus(SAME_EVENT_WINDOW).isAfter(now)) {
      times.removeFirst();
    }
    if (times.size() >= MAX_PER_WINDOW) {
      return false;
    }
    times.addLast(now);
    return true;
  }

  /** Least recently written first out, at most MAX_TRACKED entries. */
  private static <V> Map<String, V> bounded() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > MAX_TRACKED;
      }
    };
  }
}
