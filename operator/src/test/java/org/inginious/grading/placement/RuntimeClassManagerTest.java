package org.inginious.grading.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.Map;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.testing.MockCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One managed RuntimeClass made right, given what the informer cache holds (here: read fresh). */
class RuntimeClassManagerTest {
  private final MockCluster cluster = new MockCluster();

  @AfterEach
  void close() {
    cluster.close();
  }

  private RuntimeClass get(String name) {
    return cluster.client().resources(RuntimeClass.class).withName(name).get();
  }

  private RuntimeClass desired(String name) {
    return RuntimeClasses.desired(OperatorConfig.defaults()).stream()
        .filter(rc -> rc.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private RuntimeClass ensure(String name) {
    return RuntimeClassManager.ensure(cluster.client(), desired(name), get(name));
  }

  @Test
  void createsAMissingClass() {
    ensure("runc");
    ensure("crun");
    assertThat(get("runc").getHandler()).isEqualTo("runc");
    assertThat(get("runc").getMetadata().getLabels())
        .containsEntry(Labels.MANAGED_BY, Labels.OPERATOR);
    assertThat(get("crun").getScheduling().getNodeSelector())
        .containsEntry("grading.inginious.org/crun", "true");
  }

  @Test
  void aWrongHandlerIsRecreatedAndADriftedSelectorCorrected() {
    cluster
        .client()
        .resource(
            new RuntimeClassBuilder()
                .withNewMetadata()
                .withName("runc")
                .endMetadata()
                .withHandler("runsc")
                .build())
        .create();
    cluster
        .client()
        .resource(
            new RuntimeClassBuilder()
                .withNewMetadata()
                .withName("crun")
                .endMetadata()
                .withHandler("crun")
                .withNewScheduling()
                .withNodeSelector(Map.of("old", "selector"))
                .endScheduling()
                .build())
        .create();
    String runcUid = get("runc").getMetadata().getUid();
    String crunUid = get("crun").getMetadata().getUid();

    ensure("runc");
    ensure("crun");

    assertThat(get("runc").getHandler()).isEqualTo("runc");
    assertThat(get("runc").getMetadata().getUid())
        .as("recreated: the handler is immutable")
        .isNotEqualTo(runcUid);
    RuntimeClass crun = get("crun");
    assertThat(crun.getScheduling().getNodeSelector())
        .containsExactlyEntriesOf(Map.of("grading.inginious.org/crun", "true"));
    assertThat(crun.getMetadata().getUid())
        .as("updated in place, not recreated")
        .isEqualTo(crunUid);
  }

  @Test
  void runningTwiceChangesNothing() {
    ensure("runc");
    String version = get("runc").getMetadata().getResourceVersion();
    assertThat(ensure("runc").getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(get("runc").getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void losingARaceIsQuiet() {
    // another reconcile created it after our cache last looked: AlreadyExists
    ensure("runc");
    assertThat(RuntimeClassManager.ensure(cluster.client(), desired("runc"), null).getHandler())
        .isEqualTo("runc");
    // a stale cached version: Conflict
    RuntimeClass stale =
        new RuntimeClassBuilder(get("runc"))
            .editMetadata()
            .withLabels(Map.of())
            .endMetadata()
            .build();
    cluster
        .client()
        .resources(RuntimeClass.class)
        .withName("runc")
        .edit(
            rc -> {
              rc.getMetadata().setAnnotations(Map.of("touched", "by someone"));
              return rc;
            });
    assertThat(RuntimeClassManager.ensure(cluster.client(), desired("runc"), stale).getHandler())
        .isEqualTo("runc");
    // deleted meanwhile by another reconcile recreating it: NotFound is quiet too
    RuntimeClass wrong = new RuntimeClassBuilder(get("runc")).withHandler("runsc").build();
    cluster.client().resources(RuntimeClass.class).withName("runc").delete();
    RuntimeClassManager.ensure(cluster.client(), desired("runc"), wrong);
    assertThat(get("runc").getHandler()).isEqualTo("runc");
  }
}
