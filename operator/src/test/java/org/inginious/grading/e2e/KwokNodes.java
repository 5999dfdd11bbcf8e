package org.inginious.grading.e2e;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The fake nodes of the end-to-end cluster (kwok plays their kubelet), labelled and with capacity
 * as a real cluster's nodes are left by kata-deploy and the NVIDIA GPU operator, and the two
 * RuntimeClasses those installers create (the operator does not manage them).
 */
public final class KwokNodes {
  public static final String PLAIN = "node-plain";
  public static final String CRUN = "node-crun";
  public static final String KATA = "node-kata";
  public static final String GPU = "node-gpu";
  public static final String MIG = "node-mig";
  public static final String MIG_RESOURCE = "nvidia.com/mig-1g.10gb";
  public static final String KATA_LABEL = "katacontainers.io/kata-runtime";
  public static final String GPU_PRESENT_LABEL = "nvidia.com/gpu.present";

  private static boolean created;

  private KwokNodes() {}

  /**
   * Creates the nodes and the installer-owned RuntimeClasses once, and waits until kwok made them
   * Ready.
   */
  public static synchronized void ensure(KubernetesClient admin) {
    if (created) {
      return;
    }
    node(admin, PLAIN, Map.of(), Map.of());
    node(admin, CRUN, Map.of("grading.inginious.org/crun", "true"), Map.of());
    node(admin, KATA, Map.of(KATA_LABEL, "true"), Map.of());
    node(
        admin,
        GPU,
        Map.of(GPU_PRESENT_LABEL, "true", "nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"),
        Map.of("nvidia.com/gpu", "2"));
    node(
        admin,
        MIG,
        Map.of(GPU_PRESENT_LABEL, "true", "nvidia.com/mig.strategy", "mixed"),
        Map.of(MIG_RESOURCE, "2"));
    // kata-deploy: a class per hypervisor, scheduled onto the nodes it labelled, with the VM's
    // overhead
    runtimeClass(
        admin,
        new RuntimeClassBuilder()
            .withNewMetadata()
            .withName("kata-qemu")
            .endMetadata()
            .withHandler("kata-qemu")
            .withNewOverhead()
            .withPodFixed(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("160Mi")))
            .endOverhead()
            .withNewScheduling()
            .withNodeSelector(Map.of(KATA_LABEL, "true"))
            .endScheduling()
            .build());
    // the GPU operator's class, here scheduled onto the nodes its feature discovery labelled
    runtimeClass(
        admin,
        new RuntimeClassBuilder()
            .withNewMetadata()
            .withName("nvidia")
            .endMetadata()
            .withHandler("nvidia")
            .withNewScheduling()
            .withNodeSelector(Map.of(GPU_PRESENT_LABEL, "true"))
            .endScheduling()
            .build());
    for (String name : new String[] {PLAIN, CRUN, KATA, GPU, MIG}) {
      admin
          .nodes()
          .withName(name)
          .waitUntilCondition(
              n ->
                  n != null
                      && n.getStatus() != null
                      && n.getStatus().getConditions() != null
                      && n.getStatus().getConditions().stream()
                          .anyMatch(
                              c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
              60,
              TimeUnit.SECONDS);
    }
    created = true;
  }

  private static void node(
      KubernetesClient admin,
      String name,
      Map<String, String> labels,
      Map<String, String> extended) {
    node(admin, name, labels, extended, List.of());
  }

  /**
   * A node kwok manages (made Ready by its stages), with these labels, extended resources and
   * taints.
   */
  static void node(
      KubernetesClient admin,
      String name,
      Map<String, String> labels,
      Map<String, String> extended,
      List<Taint> taints) {
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity("8"));
    capacity.put("memory", new Quantity("32Gi"));
    capacity.put("ephemeral-storage", new Quantity("100Gi"));
    capacity.put("pods", new Quantity("110"));
    extended.forEach((resource, count) -> capacity.put(resource, new Quantity(count)));
    Map<String, String> all = new LinkedHashMap<>(ControlPlane.kwokLabels(labels));
    all.put("kubernetes.io/hostname", name);
    all.put("kubernetes.io/os", "linux");
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(all)
            .withAnnotations(
                Map.of("node.alpha.kubernetes.io/ttl", "0", "kwok.x-k8s.io/node", "fake"))
            .endMetadata()
            .withNewSpec()
            .withTaints(taints.isEmpty() ? null : taints)
            .endSpec()
            .withNewStatus()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .endStatus()
            .build();
    admin.resource(node).create();
  }

  private static void runtimeClass(KubernetesClient admin, RuntimeClass runtimeClass) {
    admin.resource(runtimeClass).create();
  }
}
