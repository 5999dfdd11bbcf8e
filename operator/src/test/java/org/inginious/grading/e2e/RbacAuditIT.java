package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC against what the operator really did, read from the API server's audit log after
 * every scenario before this class: no request was denied, and every permission the chart grants
 * was used, or is allow-listed in {@code rbac-unused-allowlist.txt} with a reason.
 */
@Order(100)
class RbacAuditIT {
  static final Path ALLOW_LIST =
      ControlPlane.defaultProjectRoot()
          .resolve("operator/src/test/resources/rbac-unused-allowlist.txt");
  static List<AuditLog.Request> requests;
  static OperatorInstallation installation;

  @BeforeAll
  static void read() {
    installation = OperatorInstallation.shared();
    requests = new AuditLog(installation.cluster().auditLog()).requests();
    Map<String, Long> byPermission =
        requests.stream()
            .collect(
                Collectors.groupingBy(
                    AuditLog.Request::permission, java.util.TreeMap::new, Collectors.counting()));
    System.out.printf(
        "audit log: %d requests by the operator: %s%n", requests.size(), byPermission);
  }

  @Test
  void noRequestOfTheOperatorWasDenied() {
    assertThat(requests)
        .as("requests of %s in the audit log", ControlPlane.OPERATOR_USER)
        .isNotEmpty();
    assertThat(
            requests.stream()
                .filter(r -> r.code() == 401 || r.code() == 403)
                .map(AuditLog.Request::toString))
        .as("denied requests")
        .isEmpty();
  }

  @Test
  void everyPermissionTheChartGrantsIsUsedOrAllowListed() throws IOException {
    Set<String> used =
        requests.stream()
            .filter(r -> r.code() != 403)
            .map(AuditLog.Request::permission)
            .collect(Collectors.toSet());
    Map<String, String> allowList = allowList();
    Set<String> unused = new TreeSet<>();
    for (PolicyRule rule : chartRules()) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            String permission = verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
            if (!used.contains(permission) && !allowList.containsKey("grant " + permission)) {
              unused.add(permission);
            }
          }
        }
      }
    }
    assertThat(unused)
        .as(
            "permissions the chart grants that the operator never used (remove them, or add"
                + " 'grant <permission>: <reason>' to "
                + ALLOW_LIST
                + ")")
        .isEmpty();
    Set<String> staleEntries =
        allowList.keySet().stream()
            .filter(
                entry ->
                    entry.startsWith("grant ") && used.contains(entry.substring("grant ".length())))
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(staleEntries).as("allow-listed as unused, but used: remove these lines").isEmpty();
  }

  /** The rules of every ClusterRole and Role the chart renders. */
  private static List<PolicyRule> chartRules() {
    return installation.chart().stream()
        .flatMap(
            o ->
                o instanceof ClusterRole c
                    ? c.getRules().stream()
                    : o instanceof Role r ? r.getRules().stream() : Stream.empty())
        .toList();
  }

  /** Lines "grant <verb> <group>/<resource>: reason". */
  private static Map<String, String> allowList() throws IOException {
    Map<String, String> entries = new LinkedHashMap<>();
    for (String line : Files.readAllLines(ALLOW_LIST)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      assertThat(colon).as("allow-list line needs a reason after ':': " + line).isPositive();
      assertThat(line.substring(colon + 1).strip()).as("reason of " + line).isNotEmpty();
      entries.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
    }
    return entries;
  }
}
