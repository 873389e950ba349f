/** Small saga participants (goods, account) for the coordinator's tests and benchmark, behind real service proxies. */
@ModuleGen(name = "kilosail-test-participants", groupPackage = "io.kilosail.saga.participants")
package io.kilosail.saga.participants;

import io.vertx.codegen.annotations.ModuleGen;
