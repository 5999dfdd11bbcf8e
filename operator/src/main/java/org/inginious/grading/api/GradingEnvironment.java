package org.inginious.grading.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A grading environment: an image the grader starts submissions from, and how it is placed. */
@Group(GradingEnvironment.GROUP)
@Version(GradingEnvironment.VERSION)
@ShortNames({"genv", "genvs"})
@AdditionalPrinterColumn(
    name = "Environment",
    jsonPath = ".status.environmentName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Runtime",
    jsonPath = ".status.runtimeClassName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Image",
    jsonPath = ".status.image",
    type = AdditionalPrinterColumn.Type.STRING)
// -o wide: where grading pods can run, and how far the image is pulled there
@AdditionalPrinterColumn(
    name = "Nodes",
    jsonPath = ".status.nodes.ready",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1,
    getDescription = "Ready nodes grading pods can run on")
@AdditionalPrinterColumn(
    name = "Pulled",
    jsonPath = ".status.prePull.pulled",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1,
    getDescription = "Nodes holding the current image")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
// Names of the objects we create, as the API server bounds them (CEL at the root sees
// metadata.name).
@ValidationRule(
    value = "self.metadata.name.size() <= " + GradingEnvironment.MAX_NAME,
    message =
        "metadata.name must be at most "
            + GradingEnvironment.MAX_NAME
            + " characters: the PodTemplate and"
            + " NetworkPolicy are named <name>-grading, at most 253")
@ValidationRule(
    value =
        "!has(self.spec) || !has(self.spec.build) || !has(self.spec.build.dockerfile)"
            + " || self.metadata.name.size() <= "
            + GradingEnvironment.MAX_DOCKERFILE_NAME,
    message =
        "metadata.name must be at most "
            + GradingEnvironment.MAX_DOCKERFILE_NAME
            + " characters for a dockerfile"
            + " build (spec.build.dockerfile): its Job is named <name>-build-<hash8>, at most 63")
@ValidationRule(
    value =
        "!has(self.spec) || !has(self.spec.build) || !has(self.spec.build.base)"
            + " || !has(self.spec.build.base.environment) || self.spec.build.base.environment != self.metadata.name",
    message = "spec.build.base.environment must name another GradingEnvironment, not this one")
public class GradingEnvironment
    extends CustomResource<GradingEnvironmentSpec, GradingEnvironmentStatus> implements Namespaced {

  public static final String GROUP = "grading.inginious.org";
  public static final String VERSION = "v1alpha1";

  /**
   * `<name>-grading` (PodTemplate, NetworkPolicy) is a DNS subdomain of at most 253 characters: 253
   * - 8.
   */
  public static final int MAX_NAME = 245;

  /**
   * `<name>-build-<hash8>` (Kaniko Job and ConfigMap) is the Pods' job-name label, at most 63: 63 -
   * 7 - 8.
   */
  public static final int MAX_DOCKERFILE_NAME = 48;

  /** The INGInious environment id: {@code spec.environmentName}, else {@code metadata.name}. */
  public String environmentName() {
    String fromSpec = getSpec() == null ? null : getSpec().environmentName;
    return fromSpec == null || fromSpec.isBlank() ? getMetadata().getName() : fromSpec;
  }
}
