package io.jmultifd.multifd.method;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.contract.MethodContract;

/** The contract of every method (multifd-spi's kit), on the built-in {@code none}. */
class NoneMethodContractTest extends MethodContract {
    @Override
    protected CompressionMethod method() {
        return new NoneMethod();
    }
}
