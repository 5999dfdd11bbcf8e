package org.inginious.grading.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.Map;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.testing.MockCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RuntimeClassManagerTest {
  private final MockCluster cluster = new MockCluster();

  @AfterEach
  void close() {
    cluster.close();
  }

  private RuntimeClass get(String name) {
    return cluster.client().resources(RuntimeClass.class).withName(name).get();
  }

  @Test
  void createsTheManagedClassesAndLeavesUnmanagedOnesAlone() {
    RuntimeClassManager.ensure(cluster.client(), OperatorConfig.defaults());
    assertThat(get("runc").getHandler()).isEqualTo("runc");
    assertThat(get("runc").getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, Labels.OPERATOR);
    assertThat(get("crun").getScheduling().getNodeSelector()).containsEntry("grading.inginious.org/crun", "true");
    assertThat(get("kata-qemu")).isNull();
    assertThat(get("nvidia")).isNull();
  }

  @Test
  void aWrongHandlerIsRecreatedAndADriftedSelectorCorrected() {
    cluster.client().resource(new RuntimeClassBuilder().withNewMetadata().withName("runc").endMetadata()
        .withHandler("runsc").build()).create();
    cluster.client().resource(new RuntimeClassBuilder().withNewMetadata().withName("crun").endMetadata()
        .withHandler("crun").withNewScheduling().withNodeSelector(Map.of("old", "selector")).endScheduling().build()).create();
    String crunUid = get("crun").getMetadata().getUid();

    RuntimeClassManager.ensure(cluster.client(), OperatorConfig.defaults());

    assertThat(get("runc").getHandler()).isEqualTo("runc");
    RuntimeClass crun = get("crun");
    assertThat(crun.getScheduling().getNodeSelector()).containsExactlyEntriesOf(Map.of("grading.inginious.org/crun", "true"));
    assertThat(crun.getMetadata().getUid()).as("updated in place, not recreated").isEqualTo(crunUid);
  }

  @Test
  void runningTwiceChangesNothing() {
    RuntimeClassManager.ensure(cluster.client(), OperatorConfig.defaults());
    String version = get("runc").getMetadata().getResourceVersion();
    RuntimeClassManager.ensure(cluster.client(), OperatorConfig.defaults());
    assertThat(get("runc").getMetadata().getResourceVersion()).isEqualTo(version);
  }
}
