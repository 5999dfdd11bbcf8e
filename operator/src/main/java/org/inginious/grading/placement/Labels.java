package org.inginious.grading.placement;

/** Label keys shared by the objects we create and by the grading backend that reads them. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "grading-environment-operator";
  public static final String ENVIRONMENT = "grading.inginious.org/environment";
  public static final String TYPE = "grading.inginious.org/type";
  public static final String NETWORK = "grading.inginious.org/network";

  /** Image labels INGInious reads. */
  public static final String IMAGE_NAME = "org.inginious.grading.name";

  public static final String IMAGE_NEED_ROOT = "org.inginious.grading.need_root";
  public static final String IMAGE_NEED_GPU = "org.inginious.grading.need_gpu";

  private Labels() {}
}
