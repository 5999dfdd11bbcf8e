package org.inginious.grading.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.inginious.grading.api.GradingEnvironment;

/**
 * What {@code kubectl apply -k} sends for an import's output, computed the way kustomize does for
 * the parts the import uses: resources, namespace, configMapGenerator files (key = file name, text
 * in data, other bytes in binaryData) without name suffixes. Compared with kubectl kustomize in
 * ImportCommandTest when kubectl is at hand.
 */
record Kustomized(List<GradingEnvironment> environments, List<ConfigMap> configMaps) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Kustomized read(Path dir) {
    try {
      JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
      // without a namespace, kubectl applies into the current one: "default" here, as
      // ManifestReader does
      String namespace = kustomization.path("namespace").asText("default");
      List<GradingEnvironment> environments = new ArrayList<>();
      for (JsonNode resource : kustomization.path("resources")) {
        GradingEnvironment environment =
            Serialization.unmarshal(
                Files.readString(dir.resolve(resource.asText())), GradingEnvironment.class);
        environment.getMetadata().setNamespace(namespace);
        environments.add(environment);
      }
      List<ConfigMap> configMaps = new ArrayList<>();
      for (JsonNode generator : kustomization.path("configMapGenerator")) {
        Map<String, String> data = new TreeMap<>();
        Map<String, String> binaryData = new TreeMap<>();
        for (JsonNode file : generator.path("files")) {
          Path path = dir.resolve(file.asText());
          byte[] content = Files.readAllBytes(path);
          String key = path.getFileName().toString();
          if (ContextConfigMap.isText(content)) {
            data.put(key, new String(content, StandardCharsets.UTF_8));
          } else {
            binaryData.put(key, Base64.getEncoder().encodeToString(content));
          }
        }
        configMaps.add(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(generator.path("name").asText())
                .withNamespace(namespace)
                .endMetadata()
                .withData(data.isEmpty() ? null : data)
                .withBinaryData(binaryData.isEmpty() ? null : binaryData)
                .build());
      }
      return new Kustomized(environments, configMaps);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
