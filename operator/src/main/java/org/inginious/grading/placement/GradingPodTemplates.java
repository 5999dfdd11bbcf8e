package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.GradingToleration;
import org.inginious.grading.api.Network;
import org.inginious.grading.api.Resources;
import org.inginious.grading.api.Runtime;

/** Renders the PodTemplate the grading backend starts one pod per submission from. */
public final class GradingPodTemplates {
  public static final String CONTAINER_NAME = "grading";
  public static final String NVIDIA_VISIBLE_DEVICES = "NVIDIA_VISIBLE_DEVICES";
  public static final String NVIDIA_DRIVER_CAPABILITIES = "NVIDIA_DRIVER_CAPABILITIES";

  /** Limits used where the spec gives none: what a typical INGInious task needs. */
  static final Map<String, Quantity> DEFAULT_LIMITS =
      Map.of(
          "cpu",
          new Quantity("1"),
          "memory",
          new Quantity("512Mi"),
          "ephemeral-storage",
          new Quantity("1Gi"));

  /**
   * The grader's entrypoint starts as root, chowns /task and drops to uid 4242: these are the only
   * capabilities it needs for that.
   */
  static final List<String> ENTRYPOINT_CAPABILITIES =
      List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID");

  private GradingPodTemplates() {}

  public static String name(GradingEnvironment environment) {
    return environment.getMetadata().getName() + "-grading";
  }

  public static PodTemplate render(
      GradingEnvironment environment, String image, ResolvedRuntime runtime) {
    GradingSpec grading =
        environment.getSpec().grading == null ? new GradingSpec() : environment.getSpec().grading;
    Map<String, Quantity> limits = limits(grading);
    Map<String, String> podLabels = new LinkedHashMap<>();
    podLabels.put(Labels.ENVIRONMENT, environment.environmentName());
    podLabels.put(Labels.TYPE, runtime.typeLabel());
    podLabels.put(Labels.NETWORK, grading.networkOrDefault() == Network.NONE ? "none" : "allowed");

    return new PodTemplateBuilder()
        .withNewMetadata()
        .withName(name(environment))
        .withNamespace(environment.getMetadata().getNamespace())
        .withLabels(
            Map.of(
                Labels.MANAGED_BY,
                Labels.OPERATOR,
                Labels.ENVIRONMENT,
                environment.environmentName()))
        .withOwnerReferences(ownerReference(environment))
        .endMetadata()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(podLabels)
        .endMetadata()
        .withNewSpec()
        .withRuntimeClassName(runtime.runtimeClassName())
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        // a user namespace: the root the entrypoint starts as maps to an unprivileged uid of the
        // node
        .withHostUsers(runtime.userNamespaces() ? false : null)
        .withActiveDeadlineSeconds(grading.activeDeadlineSecondsOrDefault())
        .withNodeSelector(
            grading.nodeSelector == null || grading.nodeSelector.isEmpty()
                ? null
                : new TreeMap<>(grading.nodeSelector))
        .withTolerations(
            grading.tolerations == null || grading.tolerations.isEmpty()
                ? null
                : grading.tolerations.stream().map(GradingToleration::toToleration).toList())
        .withNewSecurityContext()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName(CONTAINER_NAME)
        .withImage(image)
        .withEnv(env(grading, runtime))
        .withNewResources()
        .withLimits(limits)
        .withRequests(limits)
        .endResources()
        .withSecurityContext(securityContext(grading))
        .endContainer()
        .endSpec()
        .endTemplate()
        .build();
  }

  /** Requests equal limits: Guaranteed QoS, and memory is one limit for memory and swap. */
  static Map<String, Quantity> limits(GradingSpec grading) {
    Map<String, Quantity> limits = new TreeMap<>(DEFAULT_LIMITS);
    Resources resources = grading.resources;
    if (resources != null && resources.requests != null) {
      limits.putAll(resources.requests);
    }
    if (resources != null && resources.limits != null) {
      limits.putAll(resources.limits);
    }
    if (grading.gpu != null) {
      limits.put(
          grading.gpu.resourceNameOrDefault(),
          new Quantity(Integer.toString(grading.gpu.countOrDefault())));
    }
    return limits;
  }

  /**
   * Never NVIDIA_VISIBLE_DEVICES for GPU pods: the kubelet appends the pod's env after the device
   * plugin's and the NVIDIA toolkit takes the last value, so a pod's own value would override the
   * GPUs the plugin allocated (with "all", every GPU of the node).
   */
  static List<EnvVar> env(GradingSpec grading, ResolvedRuntime runtime) {
    List<EnvVar> env = new ArrayList<>();
    if (grading.gpu != null) {
      env.add(new EnvVar(NVIDIA_DRIVER_CAPABILITIES, "compute,utility", null));
    } else if (runtime.runtime() == Runtime.NVIDIA) {
      // The NVIDIA runtime exposes every GPU unless told otherwise; a pod without GPUs sees none.
      env.add(new EnvVar(NVIDIA_VISIBLE_DEVICES, "void", null));
    }
    return env.isEmpty() ? null : env;
  }

  static SecurityContext securityContext(GradingSpec grading) {
    if (grading.needsRoot()) {
      // Root inside the kata VM is the point of needRoot: keep the runtime's default capabilities.
      return new SecurityContextBuilder().withRunAsUser(0L).build();
    }
    Capabilities capabilities =
        new CapabilitiesBuilder().withDrop("ALL").withAdd(ENTRYPOINT_CAPABILITIES).build();
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withCapabilities(capabilities)
        .build();
  }

  /** The environment as controlling owner: what it creates is garbage-collected with it. */
  public static OwnerReference ownerReference(GradingEnvironment environment) {
    return new OwnerReferenceBuilder()
        .withApiVersion(environment.getApiVersion())
        .withKind(environment.getKind())
        .withName(environment.getMetadata().getName())
        .withUid(environment.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
