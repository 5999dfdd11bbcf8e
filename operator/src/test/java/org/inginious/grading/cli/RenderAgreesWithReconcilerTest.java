package org.inginious.grading.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.ImageSpec;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.common.BuildListener;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.Test;

/**
 * {@code render} and the reconciler share one desired-state function; this holds them to it: the
 * same manifests, reconciled on the mock cluster and rendered offline with the digests the
 * reconciler found, give the same objects, object for object.
 */
class RenderAgreesWithReconcilerTest {
  private static final GradingOperator.Settings FAST =
      new GradingOperator.Settings(
          Duration.ofMillis(200),
          Duration.ofSeconds(2),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          null);

  @Test
  void reconcilerWritesWhatRenderShows() throws Exception {
    try (LocalRegistry registry = LocalRegistry.open();
        MockCluster cluster = new MockCluster()) {
      KubernetesClient client = cluster.client();
      for (String unmanaged : List.of("kata-qemu", "nvidia")) {
        client
            .resource(
                new RuntimeClassBuilder()
                    .withNewMetadata()
                    .withName(unmanaged)
                    .endMetadata()
                    .withHandler(unmanaged)
                    .build())
            .create();
      }
      Map<String, GradingEnvironment> manifests =
          new TreeMap<>(
              Map.of(
                  "isolated",
                      Environments.prebuilt(
                          "isolated",
                          image(registry, "isolated", Map.of()),
                          "resources: {limits: {memory: 300Mi}}"),
                  "online",
                      Environments.prebuilt(
                          "online",
                          image(registry, "online", Map.of()),
                          "network: allowed\nruntime: crun"),
                  "pinned",
                      Environments.prebuilt(
                          "pinned",
                          image(registry, "pinned", Map.of()),
                          "nodeSelector: {disk: ssd}\ntolerations: [{key: exam, operator: Exists, effect: NoSchedule}]"),
                  "root",
                      Environments.prebuilt(
                          "root",
                          image(registry, "root", Map.of(Labels.IMAGE_NEED_ROOT, "1")),
                          "needRoot: true"),
                  "cuda",
                      Environments.prebuilt(
                          "cuda",
                          image(registry, "cuda", Map.of(Labels.IMAGE_NEED_GPU, "1")),
                          "gpu: {count: 2, resourceName: nvidia.com/mig-1g.10gb}")));
      try (GradingOperator operator =
          new GradingOperator(
                  client, OperatorConfig.defaults(), Set.of(), FAST, null, null, BuildListener.NONE)
              .start()) {
        manifests
            .values()
            .forEach(
                env -> {
                  env.getMetadata().setUid(null);
                  env.getMetadata().setGeneration(null);
                  env.getSpec().image = new ImageSpec();
                  env.getSpec().image.insecure = true;
                  client.resource(env).create();
                });
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(environments(client))
                        .as(
                            () ->
                                client
                                    .getKubernetesSerialization()
                                    .asYaml(
                                        environments(client).stream()
                                            .map(
                                                e ->
                                                    e.getMetadata().getName()
                                                        + " "
                                                        + client
                                                            .getKubernetesSerialization()
                                                            .asJson(e.getStatus()))
                                            .toList()))
                        .hasSize(manifests.size())
                        .allSatisfy(
                            env ->
                                assertThat(env.getStatus())
                                    .isNotNull()
                                    .extracting(s -> s.phase)
                                    .as(env.getMetadata().getName())
                                    .isEqualTo(Phase.Ready)));

        List<GradingEnvironment> reconciled = environments(client);
        List<HasMetadata> rendered =
            Renderer.render(
                reconciled, List.of(), OperatorConfig.defaults(), env -> env.getStatus().image);
        List<HasMetadata> written =
            Stream.<HasMetadata>concat(
                    Stream.concat(
                        client
                            .resources(PodTemplate.class)
                            .inNamespace("grading")
                            .list()
                            .getItems()
                            .stream(),
                        Stream.concat(
                            client
                                .resources(NetworkPolicy.class)
                                .inNamespace("grading")
                                .list()
                                .getItems()
                                .stream(),
                            client
                                .resources(DaemonSet.class)
                                .inNamespace("grading")
                                .list()
                                .getItems()
                                .stream())),
                    client
                        .resources(RuntimeClass.class)
                        .withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
                        .list()
                        .getItems()
                        .stream())
                .toList();

        assertThat(comparable(written, client)).isEqualTo(comparable(rendered, client));
        assertThat(rendered)
            .as("render shows every kind the reconciler wrote")
            .extracting(HasMetadata::getKind)
            .contains("PodTemplate", "NetworkPolicy", "RuntimeClass", "DaemonSet");
      }
    }
  }

  /** An image labelled as the environment's own, pushed to the test registry. */
  private static String image(LocalRegistry registry, String name, Map<String, String> labels)
      throws Exception {
    Map<String, String> all = new TreeMap<>(labels);
    all.put(Labels.IMAGE_NAME, name);
    TestImages.push(registry.host(), "inginious/env-" + name, "v1", all);
    return registry.host() + "/inginious/env-" + name + ":v1";
  }

  private static List<GradingEnvironment> environments(KubernetesClient client) {
    return client.resources(GradingEnvironment.class).inNamespace("grading").list().getItems();
  }

  /** kind/name -> the object without what the API server adds, and without render's note. */
  private static Map<String, JsonNode> comparable(
      List<HasMetadata> objects, KubernetesClient client) {
    Map<String, JsonNode> byName = new TreeMap<>();
    for (HasMetadata object : objects) {
      ObjectNode tree = client.getKubernetesSerialization().convertValue(object, ObjectNode.class);
      ObjectNode metadata = (ObjectNode) tree.get("metadata");
      metadata.remove(
          List.of("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"));
      if (metadata.get("annotations") instanceof ObjectNode annotations) {
        annotations.remove(Renderer.NOTE_ANNOTATION);
        if (annotations.isEmpty()) {
          metadata.remove("annotations");
        }
      }
      tree.remove("status");
      if (tree.get("spec") instanceof ObjectNode spec && object instanceof DaemonSet) {
        spec.remove("revisionHistoryLimit"); // the server's default; we leave it out
      }
      byName.put(object.getKind() + " " + object.getMetadata().getName(), tree);
    }
    return byName;
  }
}
