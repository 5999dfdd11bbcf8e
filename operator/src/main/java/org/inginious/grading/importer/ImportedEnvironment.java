package org.inginious.grading.importer;

import java.util.List;

/**
 * One row of the import: an environment written (manifest and ConfigMaps), or one that could not
 * be.
 *
 * @param build "layers" or "dockerfile"; null when not imported
 * @param runtime the RuntimeClass its grading pods get under the operator configuration
 * @param manifest the GradingEnvironment YAML, or null when not imported
 * @param failure why it is not imported, or null
 */
public record ImportedEnvironment(
    String environmentName,
    String metadataName,
    String source,
    String build,
    String base,
    String runtime,
    List<String> warnings,
    String manifest,
    List<ContextConfigMap> configMaps,
    String failure) {

  public boolean imported() {
    return failure == null;
  }
}
