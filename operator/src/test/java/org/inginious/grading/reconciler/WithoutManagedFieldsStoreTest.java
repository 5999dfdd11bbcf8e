package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WithoutManagedFieldsStoreTest {
  @Test
  void cachedObjectsKeepEverythingButManagedFields() {
    PodTemplate template =
        new PodTemplateBuilder()
            .withNewMetadata()
            .withName("cpp-grading")
            .withNamespace("grading")
            .withLabels(Map.of("app", "grading"))
            .withResourceVersion("7")
            .withManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubectl")
                    .withOperation("Apply")
                    .withFieldsType("FieldsV1")
                    .build())
            .endMetadata()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("grading")
            .withImage("img@sha256:" + "a".repeat(64))
            .endContainer()
            .endSpec()
            .endTemplate()
            .build();
    PodTemplate expected = new PodTemplateBuilder(template).build();
    expected.getMetadata().setManagedFields(null);
    ItemStore<PodTemplate> store = EnvironmentEventSources.withoutManagedFields();

    store.put(store.getKey(template), template);

    assertThat(store.getKey(template)).isEqualTo("grading/cpp-grading");
    assertThat(store.get("grading/cpp-grading")).isEqualTo(expected);
    assertThat(store.get("grading/cpp-grading").getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.remove("grading/cpp-grading")).isEqualTo(expected);
    assertThat(store.size()).isZero();
  }
}
