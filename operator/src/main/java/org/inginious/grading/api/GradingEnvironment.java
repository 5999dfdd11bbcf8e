package org.inginious.grading.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A grading environment: an image the grader starts submissions from, and how it is placed. */
@Group(GradingEnvironment.GROUP)
@Version(GradingEnvironment.VERSION)
@ShortNames({"genv", "genvs"})
@AdditionalPrinterColumn(name = "Environment", jsonPath = ".status.environmentName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Runtime", jsonPath = ".status.runtimeClassName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".status.image", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class GradingEnvironment extends CustomResource<GradingEnvironmentSpec, GradingEnvironmentStatus>
    implements Namespaced {

  public static final String GROUP = "grading.inginious.org";
  public static final String VERSION = "v1alpha1";

  /** The INGInious environment id: {@code spec.environmentName}, else {@code metadata.name}. */
  public String environmentName() {
    String fromSpec = getSpec() == null ? null : getSpec().environmentName;
    return fromSpec == null || fromSpec.isBlank() ? getMetadata().getName() : fromSpec;
  }
}
