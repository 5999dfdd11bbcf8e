package org.inginious.grading.importer;

import java.nio.file.Path;
import java.util.Map;
import org.inginious.grading.config.OperatorConfig;

/**
 * @param repositoryPrefix where images are pushed: {@code <prefix>/env-<name>}
 * @param namespace written into the manifests and the kustomization, or null
 * @param buildArgs values for ARGs, as {@code docker build --build-arg}
 * @param config the operator configuration, for the runtime column
 */
public record ImportOptions(
    Path source,
    String repositoryPrefix,
    String namespace,
    Map<String, String> buildArgs,
    OperatorConfig config) {
  public static final String DEFAULT_REPOSITORY_PREFIX = "registry.example.edu/inginious";
}
