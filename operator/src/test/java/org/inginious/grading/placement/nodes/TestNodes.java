package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Nodes for tests, built with fabric8's NodeBuilder: Ready, schedulable, no labels or taints unless
 * told.
 */
final class TestNodes {
  private final NodeBuilder builder;

  private TestNodes(String name) {
    builder =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus();
  }

  static TestNodes node(String name) {
    return new TestNodes(name);
  }

  TestNodes label(String key, String value) {
    builder.editMetadata().addToLabels(key, value).endMetadata();
    return this;
  }

  TestNodes taint(String key, String value, String effect) {
    builder
        .editSpec()
        .addNewTaint()
        .withKey(key)
        .withValue(value)
        .withEffect(effect)
        .endTaint()
        .endSpec();
    return this;
  }

  /** As kubectl cordon leaves a node: unschedulable, and the node controller's taint. */
  TestNodes cordoned() {
    builder
        .editSpec()
        .withUnschedulable(true)
        .addNewTaint()
        .withKey("node.kubernetes.io/unschedulable")
        .withEffect("NoSchedule")
        .endTaint()
        .endSpec();
    return this;
  }

  /** As the node lifecycle controller leaves a node whose kubelet stopped posting its status. */
  TestNodes unreachable() {
    return readyStatus("Unknown")
        .taint("node.kubernetes.io/unreachable", null, "NoSchedule")
        .taint("node.kubernetes.io/unreachable", null, "NoExecute");
  }

  /** As the node lifecycle controller leaves a node whose kubelet reports NotReady. */
  TestNodes notReady() {
    return readyStatus("False")
        .taint("node.kubernetes.io/not-ready", null, "NoSchedule")
        .taint("node.kubernetes.io/not-ready", null, "NoExecute");
  }

  TestNodes readyStatus(String status) {
    builder
        .editStatus()
        .editMatchingCondition(c -> "Ready".equals(c.getType()))
        .withStatus(status)
        .endCondition()
        .endStatus();
    return this;
  }

  TestNodes allocatable(String resource, String amount) {
    builder.editStatus().addToAllocatable(resource, new Quantity(amount)).endStatus();
    return this;
  }

  Node build() {
    return builder.build();
  }

  NodeFacts facts() {
    return NodeFacts.of(build());
  }

  /**
   * A Node as a kubelet posts it: annotations, managedFields, images, every condition, capacity,
   * node info, addresses, a GPU operator's labels and a dedicated taint.
   */
  static Node rich(String name) {
    NodeBuilder rich =
        new NodeBuilder()
            .withApiVersion("v1")
            .withKind("Node")
            .withNewMetadata()
            .withName(name)
            .withUid("4f1c2a9e-0000-4000-8000-" + String.format("%012d", Math.abs(name.hashCode())))
            .withResourceVersion("123456")
            .withCreationTimestamp("2024-01-01T00:00:00Z")
            .addToLabels("kubernetes.io/hostname", name)
            .addToLabels("kubernetes.io/os", "linux")
            .addToLabels("nvidia.com/gpu.present", "true")
            .addToLabels("nvidia.com/mig.config", "all-1g.10gb")
            .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
            .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
            .addToAnnotations("nvidia.com/gpu-driver-upgrade-state", "upgrade-done")
            .addNewManagedField()
            .withManager("kubelet")
            .withOperation("Update")
            .withApiVersion("v1")
            .withTime("2024-01-01T00:00:00Z")
            .withFieldsType("FieldsV1")
            .endManagedField()
            .addNewManagedField()
            .withManager("nvidia-gpu-feature-discovery")
            .withOperation("Update")
            .withApiVersion("v1")
            .withTime("2024-01-01T00:00:00Z")
            .withFieldsType("FieldsV1")
            .endManagedField()
            .endMetadata()
            .withNewSpec()
            .withPodCIDR("10.244.1.0/24")
            .withPodCIDRs("10.244.1.0/24")
            .withProviderID("gce://project/zone/" + name)
            .addNewTaint()
            .withKey("dedicated")
            .withValue("gpu")
            .withEffect("NoSchedule")
            .endTaint()
            .addNewTaint()
            .withKey("nvidia.com/gpu")
            .withEffect("NoExecute")
            .withTimeAdded("2024-01-01T00:00:00Z")
            .endTaint()
            .endSpec()
            .withNewStatus()
            .addToCapacity("cpu", new Quantity("64"))
            .addToCapacity("memory", new Quantity("528280212Ki"))
            .addToCapacity("nvidia.com/gpu", new Quantity("8"))
            .addToCapacity("nvidia.com/mig-1g.10gb", new Quantity("14"))
            .addToAllocatable("cpu", new Quantity("63500m"))
            .addToAllocatable("memory", new Quantity("527153812Ki"))
            .addToAllocatable("pods", new Quantity("110"))
            .addToAllocatable("hugepages-2Mi", new Quantity("0"))
            .addToAllocatable("ephemeral-storage", new Quantity("189966086785"))
            .addToAllocatable("nvidia.com/gpu", new Quantity("1"))
            .addToAllocatable("nvidia.com/mig-1g.10gb", new Quantity("14"))
            .addToAllocatable("example.com/half", new Quantity("500m"))
            .addNewAddress()
            .withType("InternalIP")
            .withAddress("10.0.0.7")
            .endAddress()
            .addNewAddress()
            .withType("Hostname")
            .withAddress(name)
            .endAddress()
            .withNewNodeInfo()
            .withKubeletVersion("v1.30.2")
            .withContainerRuntimeVersion("containerd://1.7.18")
            .withOsImage("Ubuntu 22.04.4 LTS")
            .withKernelVersion("5.15.0-112-generic")
            .withArchitecture("amd64")
            .withOperatingSystem("linux")
            .withMachineID("m")
            .withSystemUUID("s")
            .withBootID("b")
            .endNodeInfo()
            .withNewDaemonEndpoints()
            .withNewKubeletEndpoint()
            .withPort(10250)
            .endKubeletEndpoint()
            .endDaemonEndpoints()
            .endStatus();
    for (String type :
        new String[] {"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"}) {
      rich.editStatus()
          .addNewCondition()
          .withType(type)
          .withStatus("False")
          .withReason("KubeletHasSufficient" + type)
          .withMessage("kubelet has sufficient resources")
          .withLastHeartbeatTime("2024-01-01T00:00:00Z")
          .withLastTransitionTime("2024-01-01T00:00:00Z")
          .endCondition()
          .endStatus();
    }
    rich.editStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .withReason("KubeletReady")
        .withMessage("kubelet is posting ready status")
        .withLastHeartbeatTime("2024-01-01T00:00:00Z")
        .withLastTransitionTime("2024-01-01T00:00:00Z")
        .endCondition()
        .endStatus();
    for (int i = 0; i < 30; i++) {
      rich.editStatus()
          .addNewImage()
          .withNames(
              "nvcr.io/nvidia/k8s/image-" + i + "@sha256:" + "0".repeat(64),
              "nvcr.io/nvidia/k8s/image-" + i + ":v24.3.0")
          .withSizeBytes(400_000_000L + i)
          .endImage()
          .endStatus();
    }
    return rich.build();
  }
}
