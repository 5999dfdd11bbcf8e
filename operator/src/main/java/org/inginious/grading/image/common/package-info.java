/**
 * The contract of image sources and what the kinds share: {@link
 * org.inginious.grading.image.common.ImageSource} and its {@link
 * org.inginious.grading.image.common.Outcome}, the {@link
 * org.inginious.grading.image.common.ClusterView} they read, the {@link
 * org.inginious.grading.image.common.ImageProblem} they throw, registry lookups and Secrets, build
 * hashes and labels. A leaf of {@code image}: it imports no kind and not the dispatcher.
 */
package org.inginious.grading.image.common;
