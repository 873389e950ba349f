/** The saga benchmark: a three-step saga over tiny participants, each step one SQL write behind a service proxy. */
@ModuleGen(name = "kilosail-saga-bench", groupPackage = "io.kilosail.saga.bench")
package io.kilosail.saga.bench;

import io.vertx.codegen.annotations.ModuleGen;
