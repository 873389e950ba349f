/**
 * What verticles say to each other over the (clustered) event bus: typed service proxy interfaces, the data objects
 * they carry, address names and failure codes. No logic lives here.
 */
@ModuleGen(name = "kilosail", groupPackage = "io.kilosail.contracts")
package io.kilosail.contracts;

import io.vertx.codegen.annotations.ModuleGen;
