package org.inginious.grading.testing;

import io.fabric8.kubernetes.api.model.AppArmorProfile;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The checks of the Pod Security Standards, field by field as the standard names them
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/; the value sets as
 * k8s.io/pod-security-admission v0.36 has them), on a pod template. Each violation is one line: the
 * level, the check, where, and the field. Where the standard relaxes a check for pods in a user
 * namespace (Unmasked /proc, restricted's non-root checks), this is the strict reading: our
 * templates need neither relaxation.
 */
public final class PodSecurityStandards {

  /** Capabilities baseline lets a container add. */
  static final Set<String> BASELINE_CAPABILITIES =
      Set.of(
          "AUDIT_WRITE",
          "CHOWN",
          "DAC_OVERRIDE",
          "FOWNER",
          "FSETID",
          "KILL",
          "MKNOD",
          "NET_BIND_SERVICE",
          "SETFCAP",
          "SETGID",
          "SETPCAP",
          "SETUID",
          "SYS_CHROOT");

  static final Set<String> SAFE_SYSCTLS =
      Set.of(
          "kernel.shm_rmid_forced",
          "net.ipv4.ip_local_port_range",
          "net.ipv4.ip_unprivileged_port_start",
          "net.ipv4.tcp_syncookies",
          "net.ipv4.ping_group_range",
          "net.ipv4.ip_local_reserved_ports",
          "net.ipv4.tcp_keepalive_time",
          "net.ipv4.tcp_fin_timeout",
          "net.ipv4.tcp_keepalive_intvl",
          "net.ipv4.tcp_keepalive_probes",
          "net.ipv4.tcp_rmem",
          "net.ipv4.tcp_wmem");
  static final Set<String> SELINUX_TYPES =
      Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");
  static final Set<String> RESTRICTED_VOLUME_TYPES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");
  private static final String APPARMOR_ANNOTATION =
      "container.apparmor.security.beta.kubernetes.io/";

  private PodSecurityStandards() {}

  /** Every violation of the baseline level; empty when the pod is admitted under `baseline`. */
  public static List<String> baseline(PodTemplateSpec template) {
    return new Checks(template).baseline();
  }

  /** Every violation of the restricted level (which includes baseline). */
  public static List<String> restricted(PodTemplateSpec template) {
    List<String> violations = new Checks(template).baseline();
    violations.addAll(new Checks(template).restricted());
    return violations;
  }

  /** One pass of checks over one template: call baseline() or restricted() once. */
  private static final class Checks {
    private final Map<String, String> annotations;
    private final PodSpec pod;
    private final PodSecurityContext podSecurity;
    private final List<String> violations = new ArrayList<>();

    Checks(PodTemplateSpec template) {
      this.annotations =
          template.getMetadata() == null || template.getMetadata().getAnnotations() == null
              ? Map.of()
              : template.getMetadata().getAnnotations();
      this.pod = template.getSpec();
      this.podSecurity =
          Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);
    }

    List<String> baseline() {
      if (isTrue(pod.getHostNetwork()) || isTrue(pod.getHostPID()) || isTrue(pod.getHostIPC())) {
        fail(
            "baseline",
            "Host Namespaces",
            "pod",
            "hostNetwork, hostPID and hostIPC must be unset or false");
      }
      for (Container c : containers()) {
        SecurityContext security = securityOf(c);
        if (isTrue(security.getPrivileged())) {
          fail("baseline", "Privileged Containers", c, "securityContext.privileged is true");
        }
        List<String> added =
            security.getCapabilities() == null
                ? List.of()
                : orEmpty(security.getCapabilities().getAdd());
        added.stream()
            .filter(cap -> !BASELINE_CAPABILITIES.contains(cap))
            .forEach(
                cap ->
                    fail(
                        "baseline",
                        "Capabilities",
                        c,
                        "capabilities.add " + cap + " is beyond the baseline set"));
        orEmpty(c.getPorts()).stream()
            .map(ContainerPort::getHostPort)
            .filter(p -> p != null && p != 0)
            .forEach(p -> fail("baseline", "Host Ports", c, "hostPort " + p));
        hostsOf(c)
            .forEach(host -> fail("baseline", "Host Probes / Lifecycle Hooks", c, "host " + host));
        if (security.getProcMount() != null && !security.getProcMount().equals("Default")) {
          fail("baseline", "/proc Mount Type", c, "procMount " + security.getProcMount());
        }
        Boolean hostProcess =
            effective(
                c,
                s -> s.getWindowsOptions() == null ? null : s.getWindowsOptions().getHostProcess(),
                p -> p.getWindowsOptions() == null ? null : p.getWindowsOptions().getHostProcess());
        if (isTrue(hostProcess)) {
          fail("baseline", "HostProcess", c, "windowsOptions.hostProcess is true");
        }
      }
      orEmpty(pod.getVolumes()).stream()
          .filter(v -> v.getHostPath() != null)
          .forEach(
              v ->
                  fail(
                      "baseline",
                      "HostPath Volumes",
                      "volume " + v.getName(),
                      "hostPath " + v.getHostPath().getPath()));
      annotations.forEach(
          (key, value) -> {
            if (key.startsWith(APPARMOR_ANNOTATION)
                && !value.equals("runtime/default")
                && !value.startsWith("localhost/")) {
              fail("baseline", "AppArmor", "annotation " + key, value);
            }
          });
      appArmorProfiles()
          .filter(p -> !Set.of("RuntimeDefault", "Localhost").contains(p.getType()))
          .forEach(
              p ->
                  fail(
                      "baseline",
                      "AppArmor",
                      "pod or container",
                      "appArmorProfile.type " + p.getType()));
      seLinuxOptions()
          .forEach(
              o -> {
                if ((o.getType() != null && !SELINUX_TYPES.contains(o.getType()))
                    || o.getUser() != null
                    || o.getRole() != null) {
                  fail("baseline", "SELinux", "pod or container", "seLinuxOptions " + o);
                }
              });
      seccompProfiles()
          .filter(p -> "Unconfined".equals(p.getType()))
          .forEach(
              p ->
                  fail(
                      "baseline", "Seccomp", "pod or container", "seccompProfile.type Unconfined"));
      orEmpty(podSecurity.getSysctls()).stream()
          .map(Sysctl::getName)
          .filter(n -> !SAFE_SYSCTLS.contains(n))
          .forEach(
              n -> fail("baseline", "Sysctls", "pod", "sysctl " + n + " is not in the safe set"));
      return violations;
    }

    List<String> restricted() {
      orEmpty(pod.getVolumes()).stream()
          .filter(v -> !RESTRICTED_VOLUME_TYPES.contains(volumeType(v)))
          .forEach(v -> fail("restricted", "Volume Types", "volume " + v.getName(), volumeType(v)));
      for (Container c : containers()) {
        SecurityContext security = securityOf(c);
        if (!Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
          fail("restricted", "Privilege Escalation", c, "allowPrivilegeEscalation must be false");
        }
        if (!isTrue(
            effective(c, SecurityContext::getRunAsNonRoot, PodSecurityContext::getRunAsNonRoot))) {
          fail("restricted", "Running as Non-root", c, "runAsNonRoot must be true");
        }
        if (Objects.equals(
            0L, effective(c, SecurityContext::getRunAsUser, PodSecurityContext::getRunAsUser))) {
          fail("restricted", "Running as Non-root user", c, "runAsUser 0");
        }
        SeccompProfile seccomp =
            effective(c, SecurityContext::getSeccompProfile, PodSecurityContext::getSeccompProfile);
        if (seccomp == null || !Set.of("RuntimeDefault", "Localhost").contains(seccomp.getType())) {
          fail(
              "restricted",
              "Seccomp",
              c,
              "seccompProfile.type must be RuntimeDefault or Localhost");
        }
        var capabilities = security.getCapabilities();
        if (capabilities == null || !orEmpty(capabilities.getDrop()).contains("ALL")) {
          fail("restricted", "Capabilities", c, "capabilities.drop must contain ALL");
        }
        if (capabilities != null
            && !Set.of("NET_BIND_SERVICE").containsAll(orEmpty(capabilities.getAdd()))) {
          fail(
              "restricted",
              "Capabilities",
              c,
              "capabilities.add beyond NET_BIND_SERVICE: " + capabilities.getAdd());
        }
      }
      return violations;
    }

    /** Containers, init containers and ephemeral containers: the standard checks all of them. */
    private List<Container> containers() {
      List<Container> all = new ArrayList<>(orEmpty(pod.getContainers()));
      all.addAll(orEmpty(pod.getInitContainers()));
      // ephemeral containers have the same security fields; the API types differ only in name
      orEmpty(pod.getEphemeralContainers())
          .forEach(e -> all.add(Serialization.jsonMapper().convertValue(e, Container.class)));
      return all;
    }

    /** The container's value, else the pod's (container fields override pod fields). */
    private <T> T effective(
        Container c,
        Function<SecurityContext, T> ofContainer,
        Function<PodSecurityContext, T> ofPod) {
      T value = ofContainer.apply(securityOf(c));
      return value != null ? value : ofPod.apply(podSecurity);
    }

    private Stream<AppArmorProfile> appArmorProfiles() {
      return Stream.concat(
              Stream.of(podSecurity.getAppArmorProfile()),
              containers().stream().map(c -> securityOf(c).getAppArmorProfile()))
          .filter(Objects::nonNull);
    }

    private Stream<SELinuxOptions> seLinuxOptions() {
      return Stream.concat(
              Stream.of(podSecurity.getSeLinuxOptions()),
              containers().stream().map(c -> securityOf(c).getSeLinuxOptions()))
          .filter(Objects::nonNull);
    }

    private Stream<SeccompProfile> seccompProfiles() {
      return Stream.concat(
              Stream.of(podSecurity.getSeccompProfile()),
              containers().stream().map(c -> securityOf(c).getSeccompProfile()))
          .filter(Objects::nonNull);
    }

    private void fail(String level, String check, Container c, String detail) {
      fail(level, check, "container " + c.getName(), detail);
    }

    private void fail(String level, String check, String where, String detail) {
      violations.add(level + " '" + check + "': " + where + ": " + detail);
    }
  }

  /** The hosts of httpGet and tcpSocket probes and lifecycle handlers (baseline: unset or ""). */
  private static Stream<String> hostsOf(Container c) {
    List<String> hosts = new ArrayList<>();
    for (Probe probe :
        Stream.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())
            .filter(Objects::nonNull)
            .toList()) {
      hosts.add(host(probe.getHttpGet()));
      hosts.add(host(probe.getTcpSocket()));
    }
    Lifecycle lifecycle = c.getLifecycle();
    if (lifecycle != null) {
      for (LifecycleHandler handler :
          Stream.of(lifecycle.getPostStart(), lifecycle.getPreStop())
              .filter(Objects::nonNull)
              .toList()) {
        hosts.add(host(handler.getHttpGet()));
        hosts.add(host(handler.getTcpSocket()));
      }
    }
    return hosts.stream().filter(h -> h != null && !h.isEmpty());
  }

  private static String host(HTTPGetAction action) {
    return action == null ? null : action.getHost();
  }

  private static String host(TCPSocketAction action) {
    return action == null ? null : action.getHost();
  }

  private static SecurityContext securityOf(Container container) {
    return Optional.ofNullable(container.getSecurityContext()).orElseGet(SecurityContext::new);
  }

  /** The volume source that is set, by its field name in the Kubernetes API. */
  @SuppressWarnings("unchecked")
  private static String volumeType(Volume volume) {
    Map<String, Object> fields = Serialization.jsonMapper().convertValue(volume, Map.class);
    return fields.keySet().stream().filter(k -> !k.equals("name")).findFirst().orElse("none");
  }

  private static boolean isTrue(Boolean value) {
    return Boolean.TRUE.equals(value);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
