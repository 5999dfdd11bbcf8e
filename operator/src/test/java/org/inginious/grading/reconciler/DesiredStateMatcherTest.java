package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DesiredStateMatcherTest {

  private static PodTemplate template(Map<String, String> limits, String envValue) {
    Map<String, Quantity> quantities = new java.util.TreeMap<>();
    limits.forEach((name, amount) -> quantities.put(name, new Quantity(amount)));
    return new PodTemplateBuilder()
        .withNewMetadata()
        .withName("php-grading")
        .withNamespace("grading")
        .endMetadata()
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("grading")
        .withImage("img@sha256:1")
        .addNewEnv()
        .withName("SIZE")
        .withValue(envValue)
        .endEnv()
        .withNewResources()
        .withLimits(quantities)
        .withRequests(quantities)
        .endResources()
        .endContainer()
        .endSpec()
        .endTemplate()
        .build();
  }

  @ParameterizedTest(name = "{0} is {1} as the API server writes it")
  @CsvSource({
    "1000m, 1",
    "0.5, 500m",
    "1024Mi, 1Gi",
    "1G, 1000M",
    "2, 2000m",
  })
  void quantitiesTheServerCanonicalisedStillMatch(String desired, String canonical) {
    assertThat(
            DesiredStateMatcher.satisfies(
                template(Map.of("cpu", canonical, "memory", canonical), "x"),
                template(Map.of("cpu", desired, "memory", desired), "x")))
        .isTrue();
  }

  @Test
  void anotherAmountIsADifference() {
    assertThat(
            DesiredStateMatcher.satisfies(
                template(Map.of("cpu", "2"), "x"), template(Map.of("cpu", "1"), "x")))
        .isFalse();
    assertThat(
            DesiredStateMatcher.satisfies(
                template(Map.of("memory", "1Gi"), "x"), template(Map.of("memory", "1G"), "x")))
        .isFalse();
  }

  @Test
  void aResourceAddedByHandIsADifference() {
    assertThat(
            DesiredStateMatcher.satisfies(
                template(Map.of("cpu", "1", "nvidia.com/gpu", "1"), "x"),
                template(Map.of("cpu", "1"), "x")))
        .isFalse();
  }

  @Test
  void onlyQuantitiesAreComparedByAmount() {
    assertThat(
            DesiredStateMatcher.satisfies(
                template(Map.of("cpu", "1"), "1"), template(Map.of("cpu", "1"), "1000m")))
        .as("an environment variable is text")
        .isFalse();
  }

  @Test
  void podFieldsWeNoLongerRenderAreADifference() {
    PodTemplate desired = template(Map.of("cpu", "1"), "x");
    PodTemplate userNamespaced = template(Map.of("cpu", "1"), "x");
    userNamespaced.getTemplate().getSpec().setHostUsers(false);
    assertThat(DesiredStateMatcher.satisfies(userNamespaced, desired))
        .as("user namespaces turned off")
        .isFalse();
    assertThat(DesiredStateMatcher.satisfies(userNamespaced, userNamespaced)).isTrue();
    PodTemplate placed = template(Map.of("cpu", "1"), "x");
    placed.getTemplate().getSpec().setNodeSelector(Map.of("disk", "ssd"));
    assertThat(DesiredStateMatcher.satisfies(placed, desired))
        .as("nodeSelector removed from the spec")
        .isFalse();
  }

  @Test
  void aFieldAddedByHandIsADifference() {
    PodTemplate hostNetwork = template(Map.of("cpu", "1"), "x");
    hostNetwork.getTemplate().getSpec().setHostNetwork(true);
    assertThat(DesiredStateMatcher.satisfies(hostNetwork, template(Map.of("cpu", "1"), "x")))
        .isFalse();
    PodTemplate serviceAccount = template(Map.of("cpu", "1"), "x");
    serviceAccount.getTemplate().getSpec().getContainers().get(0).setWorkingDir("/root");
    assertThat(DesiredStateMatcher.satisfies(serviceAccount, template(Map.of("cpu", "1"), "x")))
        .isFalse();
  }

  @Test
  void aDefaultedFieldSetToAnotherValueIsADifference() {
    PodTemplate actual = template(Map.of("cpu", "1"), "x");
    actual.getTemplate().getSpec().setDnsPolicy("Default");
    assertThat(DesiredStateMatcher.satisfies(actual, template(Map.of("cpu", "1"), "x"))).isFalse();
  }

  @Test
  void metadataOfOtherToolsIsNoDifference() {
    PodTemplate actual = template(Map.of("cpu", "1"), "x");
    actual.getMetadata().setAnnotations(Map.of("argocd.argoproj.io/tracking-id", "grading"));
    actual.getMetadata().setLabels(Map.of("team", "teaching"));
    assertThat(DesiredStateMatcher.satisfies(actual, template(Map.of("cpu", "1"), "x"))).isTrue();
  }

  @Test
  void fieldsTheServerDefaultsAreIgnored() {
    PodTemplate actual = template(Map.of("cpu", "1"), "x");
    actual.getMetadata().setResourceVersion("42");
    actual.getMetadata().setUid("uid");
    actual.getTemplate().getSpec().setDnsPolicy("ClusterFirst");
    actual
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setTerminationMessagePath("/dev/termination-log");
    assertThat(DesiredStateMatcher.satisfies(actual, template(Map.of("cpu", "1000m"), "x")))
        .isTrue();
  }
}
