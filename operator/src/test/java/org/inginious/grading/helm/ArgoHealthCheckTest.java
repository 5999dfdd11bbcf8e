package org.inginious.grading.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.inginious.grading.api.ConditionReasons;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs the Argo CD custom health check of the chart ({@code health/gradingenvironment.lua}) the way
 * Argo CD does: the live object, converted from JSON to a Lua table, is the global {@code obj}; the
 * script returns a table with {@code status} and {@code message}.
 */
class ArgoHealthCheckTest {

  private static final Path SCRIPT =
      ChartFixture.chartDir().resolve("health").resolve("gradingenvironment.lua");

  record Health(String status, String message) {}

  @Test
  void healthyWhenReadyAndTheCurrentGenerationIsObserved() {
    Health health =
        check(
            environment(
                3,
                """
        observedGeneration: 3
        phase: Ready
        image: registry.example.edu/inginious/env-php@sha256:0123
        conditions:
          - {type: Built, status: "True", reason: Built, message: image built}
          - {type: Ready, status: "True", reason: Placed, message: "php placed with RuntimeClass runc"}
        """));

    assertThat(health)
        .isEqualTo(new Health("Healthy", "Placed: php placed with RuntimeClass runc"));
  }

  @Test
  void progressingWithoutStatus() {
    Health health = check(environment(1, null));

    assertThat(health.status()).isEqualTo("Progressing");
    assertThat(health.message()).isNotBlank();
  }

  @Test
  void progressingWhileBuilding() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Building
        conditions:
          - {type: Ready, status: "False", reason: Building, message: "Kaniko Job php-build-1a2b3c4d is running"}
          - {type: Reconciling, status: "True", reason: Building, message: "Kaniko Job php-build-1a2b3c4d is running"}
        """));

    assertThat(health)
        .isEqualTo(new Health("Progressing", "Building: Kaniko Job php-build-1a2b3c4d is running"));
  }

  @Test
  void progressingWhileBuildingEvenWithoutReconcilingCondition() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Building
        conditions:
          - {type: Ready, status: "False", reason: Building, message: "jib build running"}
        """));

    assertThat(health).isEqualTo(new Health("Progressing", "Building: jib build running"));
  }

  @Test
  void progressingWhilePending() {
    Health health =
        check(
            environment(
                1,
                """
        observedGeneration: 1
        phase: Pending
        conditions:
          - {type: Ready, status: "False", reason: WaitingForBase, message: "base environment python3 is not Ready"}
        """));

    assertThat(health)
        .isEqualTo(
            new Health("Progressing", "WaitingForBase: base environment python3 is not Ready"));
  }

  @Test
  void progressingWhenObservedGenerationLags() {
    Health health =
        check(
            environment(
                4,
                """
        observedGeneration: 3
        phase: Ready
        conditions:
          - {type: Ready, status: "True", reason: Placed, message: "php placed"}
        """));

    assertThat(health.status()).isEqualTo("Progressing");
    assertThat(health.message()).contains("generation 4").contains("3");
  }

  @Test
  void progressingWhenObservedGenerationIsMissing() {
    Health health =
        check(
            environment(
                1,
                """
        phase: Ready
        conditions:
          - {type: Ready, status: "True", reason: Placed, message: "php placed"}
        """));

    assertThat(health.status()).isEqualTo("Progressing");
  }

  @Test
  void aStaleFailureIsProgressingOnceTheSpecChanged() {
    Health health =
        check(
            environment(
                5,
                """
        observedGeneration: 4
        phase: Failed
        conditions:
          - {type: Ready, status: "False", reason: BuildFailed, message: "RUN dnf install -y php: exit 1"}
          - {type: Stalled, status: "True", reason: BuildFailed, message: "RUN dnf install -y php: exit 1"}
        """));

    assertThat(health.status()).isEqualTo("Progressing");
  }

  static Stream<String> everyReason() {
    return Arrays.stream(ConditionReasons.class.getDeclaredFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .map(
            f -> {
              try {
                return (String) f.get(null);
              } catch (IllegalAccessException e) {
                throw new AssertionError(e);
              }
            });
  }

  /**
   * Whatever the reason of the catalogue: Stalled is Degraded, Reconciling is Progressing, each
   * with its reason.
   */
  @ParameterizedTest
  @MethodSource("everyReason")
  void everyReasonOfTheCatalogueGetsItsHealth(String reason) {
    Health stalled =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Failed
        conditions:
          - {type: Ready, status: "False", reason: %1$s, message: "what went wrong"}
          - {type: Stalled, status: "True", reason: %1$s, message: "what went wrong"}
        """
                    .formatted(reason)));
    Health reconciling =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Pending
        conditions:
          - {type: Ready, status: "False", reason: %1$s, message: "what goes on"}
          - {type: Reconciling, status: "True", reason: %1$s, message: "what goes on"}
        """
                    .formatted(reason)));

    assertThat(stalled).isEqualTo(new Health("Degraded", reason + ": what went wrong"));
    assertThat(reconciling).isEqualTo(new Health("Progressing", reason + ": what goes on"));
  }

  @Test
  void degradedWhenNoNodeCanRunIt() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Ready
        conditions:
          - {type: Ready, status: "True", reason: Placed, message: "php placed"}
          - {type: Stalled, status: "True", reason: NoEligibleNodes, message: "no node has nvidia.com/mig-1g.10gb >= 2"}
          - {type: Schedulable, status: "False", reason: NoEligibleNodes, message: "no node has nvidia.com/mig-1g.10gb >= 2"}
        """));

    assertThat(health)
        .isEqualTo(
            new Health("Degraded", "NoEligibleNodes: no node has nvidia.com/mig-1g.10gb >= 2"));
  }

  @Test
  void healthyWhenSchedulable() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Ready
        conditions:
          - {type: Ready, status: "True", reason: Placed, message: "php placed"}
          - {type: Schedulable, status: "True", reason: EligibleNodes, message: "3 nodes can run it, 3 Ready"}
        """));

    assertThat(health).isEqualTo(new Health("Healthy", "Placed: php placed"));
  }

  @Test
  void progressingWhileReconcilingAReadyEnvironment() {
    Health health =
        check(
            environment(
                3,
                """
        observedGeneration: 3
        phase: Ready
        conditions:
          - {type: Ready, status: "True", reason: Placed, message: "php placed"}
          - {type: Reconciling, status: "True", reason: BaseChanged, message: "base python3 has a new digest"}
        """));

    assertThat(health).isEqualTo(new Health("Progressing", "Placed: php placed"));
  }

  @Test
  void degradedWhenStalled() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Pending
        conditions:
          - {type: Ready, status: "False", reason: InvalidSpec, message: "needRoot needs runtime auto or kata"}
          - {type: Stalled, status: "True", reason: InvalidSpec, message: "needRoot needs runtime auto or kata"}
        """));

    assertThat(health)
        .isEqualTo(new Health("Degraded", "InvalidSpec: needRoot needs runtime auto or kata"));
  }

  @Test
  void degradedWhenNotReadyAndFailed() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Failed
        build: {name: php-build-1a2b3c4d, reason: BuildFailed, logTail: "exit status 1"}
        conditions:
          - {type: Built, status: "False", reason: BuildFailed, message: "RUN dnf install -y php: exit 1"}
          - {type: Ready, status: "False", reason: BuildFailed, message: "RUN dnf install -y php: exit 1"}
        """));

    assertThat(health)
        .isEqualTo(new Health("Degraded", "BuildFailed: RUN dnf install -y php: exit 1"));
  }

  @Test
  void notReadyWithoutFailureIsProgressing() {
    Health health =
        check(
            environment(
                2,
                """
        observedGeneration: 2
        phase: Ready
        conditions:
          - {type: Ready, status: "Unknown", reason: Placing, message: "creating PodTemplate php-grading"}
        """));

    assertThat(health)
        .isEqualTo(new Health("Progressing", "Placing: creating PodTemplate php-grading"));
  }

  @Test
  void statusWithoutConditionsIsProgressing() {
    Health health =
        check(
            environment(
                1,
                """
        observedGeneration: 1
        phase: Ready
        """));

    assertThat(health.status()).isEqualTo("Progressing");
    assertThat(health.message()).isNotBlank();
  }

  @Test
  void messageIsTheReasonAloneWhenTheReadyConditionHasNoMessage() {
    Health health =
        check(
            environment(
                1,
                """
        observedGeneration: 1
        phase: Ready
        conditions:
          - {type: Ready, status: "True", reason: Placed}
        """));

    assertThat(health).isEqualTo(new Health("Healthy", "Placed"));
  }

  @Test
  void chartReadmeShowsTheScriptInArgocdCm() {
    String readme = ChartFixture.read(ChartFixture.chartDir().resolve("README.md"));

    assertThat(readme)
        .contains("resource.customizations.health.grading.inginious.org_GradingEnvironment");
    assertThat(
            ChartFixture.read(SCRIPT).lines().map(String::strip).filter(l -> !l.isEmpty()).toList())
        .as("the README's copy of the script is the script")
        .allSatisfy(line -> assertThat(readme).contains(line));
  }

  // ---------------------------------------------------------------------------------------------

  /** A GradingEnvironment as Argo CD sees it (JSON), with this generation and status (YAML). */
  private static Map<String, Object> environment(long generation, String statusYaml) {
    String yaml =
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: php, namespace: grading, generation: %d}
        spec:
          image: {repository: registry.example.edu/inginious/env-php}
          build:
            dockerfile:
              inline: |
                ARG BASE_IMAGE
                FROM ${BASE_IMAGE}
                RUN dnf install -y php
        """
            .formatted(generation);
    Map<String, Object> object = Serialization.unmarshal(yaml, new TypeReference<>() {});
    if (statusYaml != null) {
      object.put(
          "status",
          Serialization.unmarshal(statusYaml, new TypeReference<Map<String, Object>>() {}));
    }
    return object;
  }

  private static Health check(Map<String, Object> object) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(object));
    LuaValue result = globals.load(ChartFixture.read(SCRIPT), "gradingenvironment.lua").call();
    assertThat(result.istable()).as("the script returns a table").isTrue();
    LuaValue status = result.get("status");
    LuaValue message = result.get("message");
    assertThat(status.isstring()).as("hs.status is a string").isTrue();
    assertThat(message.isstring()).as("hs.message is a string").isTrue();
    return new Health(status.tojstring(), message.tojstring());
  }

  /** JSON-like Java values to Lua values, as Argo CD converts unstructured objects. */
  private static LuaValue toLua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    }
    if (value instanceof Map<?, ?> map) {
      LuaTable table = new LuaTable();
      map.forEach((k, v) -> table.set(String.valueOf(k), toLua(v)));
      return table;
    }
    if (value instanceof List<?> list) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        table.set(i + 1, toLua(list.get(i)));
      }
      return table;
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte) {
      long l = ((Number) value).longValue();
      return l == (int) l ? LuaValue.valueOf((int) l) : LuaValue.valueOf((double) l);
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    return LuaValue.valueOf(String.valueOf(value));
  }
}
