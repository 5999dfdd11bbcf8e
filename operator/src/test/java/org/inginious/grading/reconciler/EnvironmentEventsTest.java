package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.Phase;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.MockCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Events on the CRUD mock: repeats raise a count, a loop is capped. */
class EnvironmentEventsTest {
  static MockCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = new MockCluster();
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static GradingEnvironmentStatus ready(String image) {
    GradingEnvironmentStatus status = new GradingEnvironmentStatus();
    status.phase = Phase.Ready;
    status.image = image;
    return status;
  }

  private static List<Event> eventsOf(String name) {
    return client.v1().events().inNamespace("grading").list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void theSameEventAgainRaisesTheCountOfTheFirst() {
    GradingEnvironment env = Environments.prebuilt("flapping", "r/x:v1", "");
    EnvironmentEvents events =
        new EnvironmentEvents(
            client, Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC));
    for (int i = 0; i < 3; i++) {
      events.record(env, ready("r/x@sha256:aa"), ready("r/x@sha256:bb"));
    }
    assertThat(eventsOf("flapping"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getReason()).isEqualTo(StatusEvents.IMAGE_UPDATED);
              assertThat(e.getType()).isEqualTo("Normal");
              assertThat(e.getCount()).isEqualTo(3);
              assertThat(e.getInvolvedObject().getUid()).isEqualTo("uid-flapping");
            });
  }

  @Test
  void aLoopOfDistinctEventsIsCappedPerWindow() {
    GradingEnvironment env = Environments.prebuilt("looping", "r/x:v1", "");
    EnvironmentEvents events =
        new EnvironmentEvents(
            client, Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC));
    for (int i = 0; i < 50; i++) {
      events.record(env, ready("r/x@sha256:" + i), ready("r/x@sha256:" + (i + 1)));
    }
    assertThat(eventsOf("looping")).hasSize(EnvironmentEvents.MAX_PER_WINDOW);
  }
}
