package org.inginious.grading.importer;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * @param environments one row per environment, in source order
 * @param notes lines about the tree itself (folders without a Dockerfile, context.yml)
 */
public record ImportResult(
    String sourceName,
    String namespace,
    List<ImportedEnvironment> environments,
    List<String> notes) {

  public List<ImportedEnvironment> imported() {
    return environments.stream().filter(ImportedEnvironment::imported).toList();
  }

  /**
   * Every ConfigMap to generate, once each (environments of one Dockerfile may share a build
   * context).
   */
  public List<ContextConfigMap> configMaps() {
    Map<String, ContextConfigMap> byName = new TreeMap<>();
    imported().forEach(e -> e.configMaps().forEach(cm -> byName.putIfAbsent(cm.name(), cm)));
    return List.copyOf(byName.values());
  }
}
