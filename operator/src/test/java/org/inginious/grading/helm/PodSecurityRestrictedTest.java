package org.inginious.grading.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The rendered operator Deployment passes every check of the Pod Security Standard "restricted"
 * profile (which includes "baseline"), field by field as the standard names them:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
class PodSecurityRestrictedTest {

  private static final Set<String> ALLOWED_VOLUME_TYPES =
      Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");
  private static final Set<String> SAFE_SYSCTLS =
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
          "net.ipv4.tcp_keepalive_probes");
  private static final Set<String> ALLOWED_SELINUX_TYPES =
      Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");

  private final Deployment deployment = ChartFixture.deployment(ChartFixture.render());
  private final PodSpec pod = deployment.getSpec().getTemplate().getSpec();
  private final PodSecurityContext podSecurity =
      Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);

  /** Containers, init containers and ephemeral containers, as the standard checks all of them. */
  private List<Container> containers() {
    List<Container> all = new ArrayList<>(pod.getContainers());
    all.addAll(Optional.ofNullable(pod.getInitContainers()).orElse(List.of()));
    assertThat(pod.getEphemeralContainers()).as("no ephemeral containers in a Deployment").isNullOrEmpty();
    return all;
  }

  private static SecurityContext securityOf(Container container) {
    return Optional.ofNullable(container.getSecurityContext()).orElseGet(SecurityContext::new);
  }

  /** The container's value, else the pod's (container fields override pod fields). */
  private <T> T effective(Container container, Function<SecurityContext, T> ofContainer,
      Function<PodSecurityContext, T> ofPod) {
    T value = ofContainer.apply(securityOf(container));
    return value != null ? value : ofPod.apply(podSecurity);
  }

  @Test
  void operatorPodIsRendered() {
    assertThat(pod.getContainers()).extracting(Container::getName).contains("operator");
  }

  // ---------------------------------------------------------------- baseline

  @Test
  void hostNamespaces() {
    assertThat(List.of(
            Boolean.TRUE.equals(pod.getHostNetwork()),
            Boolean.TRUE.equals(pod.getHostPID()),
            Boolean.TRUE.equals(pod.getHostIPC())))
        .as("baseline 'Host Namespaces': hostNetwork, hostPID, hostIPC unset or false")
        .containsOnly(false);
  }

  @Test
  void privilegedContainers() {
    assertThat(containers())
        .as("baseline 'Privileged Containers': securityContext.privileged unset or false")
        .allSatisfy(c -> assertThat(securityOf(c).getPrivileged()).isNotEqualTo(Boolean.TRUE));
  }

  @Test
  void capabilities() {
    assertThat(containers())
        .as("restricted 'Capabilities': drop ALL, add at most NET_BIND_SERVICE")
        .allSatisfy(
            c -> {
              Capabilities capabilities = securityOf(c).getCapabilities();
              assertThat(capabilities).as("%s: capabilities", c.getName()).isNotNull();
              assertThat(capabilities.getDrop()).as("%s: capabilities.drop", c.getName()).contains("ALL");
              assertThat(Optional.ofNullable(capabilities.getAdd()).orElse(List.of()))
                  .as("%s: capabilities.add", c.getName())
                  .isSubsetOf("NET_BIND_SERVICE");
            });
  }

  @Test
  void hostPathVolumes() {
    assertThat(volumes())
        .as("baseline 'HostPath Volumes': no hostPath volumes")
        .allSatisfy(v -> assertThat(v.getHostPath()).as(v.getName()).isNull());
  }

  @Test
  void hostPorts() {
    assertThat(containers().stream()
            .flatMap(c -> Optional.ofNullable(c.getPorts()).orElse(List.of()).stream())
            .map(ContainerPort::getHostPort)
            .filter(Objects::nonNull)
            .toList())
        .as("baseline 'Host Ports': hostPort unset or 0")
        .allSatisfy(hostPort -> assertThat(hostPort).isZero());
  }

  @Test
  void appArmor() {
    Map<String, String> annotations =
        Optional.ofNullable(deployment.getSpec().getTemplate().getMetadata().getAnnotations()).orElse(Map.of());
    assertThat(annotations)
        .as("baseline 'AppArmor': no container.apparmor.security.beta.kubernetes.io/* annotation other than "
            + "runtime/default or localhost/*")
        .allSatisfy((key, value) -> {
          if (key.startsWith("container.apparmor.security.beta.kubernetes.io/")) {
            assertThat(value).matches("runtime/default|localhost/.+");
          }
        });
    List<String> profileTypes = new ArrayList<>();
    Optional.ofNullable(podSecurity.getAppArmorProfile()).ifPresent(p -> profileTypes.add(p.getType()));
    containers().forEach(c ->
        Optional.ofNullable(securityOf(c).getAppArmorProfile()).ifPresent(p -> profileTypes.add(p.getType())));
    assertThat(profileTypes)
        .as("baseline 'AppArmor': appArmorProfile.type unset, RuntimeDefault or Localhost")
        .allSatisfy(type -> assertThat(type).isIn("RuntimeDefault", "Localhost"));
  }

  @Test
  void seLinux() {
    List<SELinuxOptions> options = new ArrayList<>();
    Optional.ofNullable(podSecurity.getSeLinuxOptions()).ifPresent(options::add);
    containers().forEach(c -> Optional.ofNullable(securityOf(c).getSeLinuxOptions()).ifPresent(options::add));
    assertThat(options)
        .as("baseline 'SELinux': type unset or one of %s; user and role unset", ALLOWED_SELINUX_TYPES)
        .allSatisfy(o -> {
          assertThat(o.getType() == null || ALLOWED_SELINUX_TYPES.contains(o.getType())).isTrue();
          assertThat(o.getUser()).isNull();
          assertThat(o.getRole()).isNull();
        });
  }

  @Test
  void procMount() {
    assertThat(containers())
        .as("baseline '/proc Mount Type': procMount unset or Default")
        .allSatisfy(c -> assertThat(securityOf(c).getProcMount()).isIn(null, "Default"));
  }

  @Test
  void sysctls() {
    assertThat(Optional.ofNullable(podSecurity.getSysctls()).orElse(List.of()))
        .as("baseline 'Sysctls': only the safe set")
        .extracting(Sysctl::getName)
        .allSatisfy(name -> assertThat(name).isIn(SAFE_SYSCTLS));
  }

  @Test
  void windowsHostProcess() {
    assertThat(containers())
        .as("baseline 'HostProcess': windowsOptions.hostProcess unset or false")
        .allSatisfy(c -> {
          Boolean hostProcess = effective(c,
              s -> s.getWindowsOptions() == null ? null : s.getWindowsOptions().getHostProcess(),
              p -> p.getWindowsOptions() == null ? null : p.getWindowsOptions().getHostProcess());
          assertThat(hostProcess).as(c.getName()).isNotEqualTo(Boolean.TRUE);
        });
  }

  // ---------------------------------------------------------------- restricted

  @Test
  void volumeTypes() {
    assertThat(volumes())
        .as("restricted 'Volume Types': only %s", ALLOWED_VOLUME_TYPES)
        .allSatisfy(v -> assertThat(volumeType(v)).as(v.getName()).isIn(ALLOWED_VOLUME_TYPES));
  }

  @Test
  void privilegeEscalation() {
    assertThat(containers())
        .as("restricted 'Privilege Escalation': allowPrivilegeEscalation false")
        .allSatisfy(c -> assertThat(securityOf(c).getAllowPrivilegeEscalation()).as(c.getName()).isFalse());
  }

  @Test
  void runningAsNonRoot() {
    assertThat(containers())
        .as("restricted 'Running as Non-root': runAsNonRoot true (pod or every container, none false)")
        .allSatisfy(c -> assertThat(effective(c, SecurityContext::getRunAsNonRoot, PodSecurityContext::getRunAsNonRoot))
            .as(c.getName()).isTrue());
  }

  @Test
  void runningAsNonRootUser() {
    assertThat(containers())
        .as("restricted 'Running as Non-root user': runAsUser unset or not 0")
        .allSatisfy(c -> assertThat(effective(c, SecurityContext::getRunAsUser, PodSecurityContext::getRunAsUser))
            .as(c.getName()).isNotEqualTo(0L));
  }

  @Test
  void seccomp() {
    assertThat(containers())
        .as("restricted 'Seccomp': seccompProfile.type RuntimeDefault or Localhost (pod or every container)")
        .allSatisfy(c -> {
          SeccompProfile profile = effective(c, SecurityContext::getSeccompProfile, PodSecurityContext::getSeccompProfile);
          assertThat(profile).as(c.getName()).isNotNull();
          assertThat(profile.getType()).as(c.getName()).isIn("RuntimeDefault", "Localhost");
        });
    Optional.ofNullable(podSecurity.getSeccompProfile())
        .ifPresent(p -> assertThat(p.getType()).as("restricted 'Seccomp': pod level never Unconfined")
            .isNotEqualTo("Unconfined"));
  }

  // ---------------------------------------------------------------- beyond the standard (chart contract)

  @Test
  void readOnlyRootFilesystem() {
    assertThat(containers())
        .as("chart contract: readOnlyRootFilesystem")
        .allSatisfy(c -> assertThat(securityOf(c).getReadOnlyRootFilesystem()).as(c.getName()).isTrue());
  }

  @Test
  void runsAsTheNonRootUser65532() {
    assertThat(containers())
        .as("chart contract: runAsUser 65532")
        .allSatisfy(c -> assertThat(effective(c, SecurityContext::getRunAsUser, PodSecurityContext::getRunAsUser))
            .isEqualTo(65532L));
  }

  private List<Volume> volumes() {
    return Optional.ofNullable(pod.getVolumes()).orElse(List.of());
  }

  /** The volume source that is set, by its field name in the Kubernetes API. */
  private static String volumeType(Volume volume) {
    Map<String, Object> fields =
        io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().convertValue(volume, Map.class);
    List<String> sources = fields.keySet().stream().filter(k -> !k.equals("name")).toList();
    assertThat(sources).as("volume %s has exactly one source", volume.getName()).hasSize(1);
    return sources.get(0);
  }
}
