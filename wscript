# -*- Mode: python; py-indent-offset: 4; indent-tabs-mode: nil; coding: utf-8; -*-
# waf build of edge-learning for ns-3 <= 3.35 (contrib/edge-learning).
# Lists the same files as CMakeLists.txt; the ctest edge-learning-file-lists
# checks that they agree. ns-3.35 with GCC 12 needs
# ./waf configure --disable-werror --enable-examples --enable-tests.


def configure(conf):
    # External libraries through pkg-config, stored for module.use.
    for package, store in (('openblas', 'OPENBLAS'), ('sqlite3', 'SQLITE3'),
                           ('zlib', 'ZLIB')):
        conf.check_cfg(package=package, uselib_store=store,
                       args=['--cflags', '--libs'], mandatory=True)
    conf.env.append_value('CFLAGS', ['-std=c11'])


def build(bld):
    module = bld.create_ns3_module('edge-learning', [
        'core', 'network', 'internet', 'applications', 'mobility',
        'propagation', 'wifi', 'lte', 'point-to-point'])
    module.includes = ['model/hgq', 'model/learn']
    module.source = [
        # quantizer core (C11)
        'model/hgq/aggregator.c',
        'model/hgq/allocator.c',
        'model/hgq/baseline-topk.c',
        'model/hgq/baselines.c',
        'model/hgq/bitio.c',
        'model/hgq/codebook.c',
        'model/hgq/codebooks-builtin.c',
        'model/hgq/hgq-method.c',
        'model/hgq/hsq.c',
        'model/hgq/lloyd.c',
        'model/hgq/quantizer.c',
        'model/hgq/rng.c',
        'model/hgq/search.c',
        # (core contract headers: model/hgq/hgq-internal.h model/hgq/search.h)
        # (hgq's internal headers, not compiled on their own:
        #  model/hgq/allocator.h model/hgq/baselines.h model/hgq/codebook.h
        #  model/hgq/hgq-method.h
        #  model/hgq/lloyd.h; the codebook generator
        #  model/hgq/tools/hgq-codebook-gen.c builds with CMake only)
        # learning core (C11)
        'model/learn/dataset.c',
        'model/learn/model.c',
        'model/learn/partition.c',
        'model/learn/rng.c',
        'model/learn/sampler.c',
        'model/learn/status.c',
        'model/learn/train.c',
        # (learn's internal headers, not compiled on their own:
        #  model/learn/learn-internal.h model/learn/learn-model.h)
        # ns-3 model and helpers
        'helper/edge-ideal-scenario-helper.cc',
        'helper/edge-learning-experiment.cc',
        'helper/edge-learning-helper.cc',
        'helper/edge-lte-scenario-helper.cc',
        'helper/edge-scenario-helper.cc',
        'helper/edge-wifi-scenario-helper.cc',
        'model/attribute-json.cc',
        'model/edge-device-application.cc',
        'model/edge-server-application.cc',
        'model/gradient-quantizer.cc',
        'model/gradient-upload-header.cc',
        'model/learning-task.cc',
        'model/results-database.cc',
        'model/results-summary.cc',
    ]
    module.use = ['OPENBLAS', 'SQLITE3', 'ZLIB']

    module_test = bld.create_ns3_module_test_library('edge-learning')
    module_test.source = [
        'test/edge-learning-database-test-suite.cc',
        'test/edge-learning-determinism-test-suite.cc',
        'test/edge-learning-header-test-suite.cc',
        'test/edge-learning-ideal-test-suite.cc',
        'test/edge-learning-lte-test-suite.cc',
        'test/edge-learning-protocol-test-suite.cc',
        'test/edge-learning-quantizer-test-suite.cc',
        'test/edge-learning-wifi-test-suite.cc',
    ]

    headers = bld(features='ns3header')
    headers.module = 'edge-learning'
    headers.source = [
        'helper/edge-ideal-scenario-helper.h',
        'helper/edge-learning-experiment.h',
        'helper/edge-learning-helper.h',
        'helper/edge-lte-scenario-helper.h',
        'helper/edge-scenario-helper.h',
        'helper/edge-wifi-scenario-helper.h',
        'model/attribute-json.h',
        'model/edge-device-application.h',
        'model/edge-server-application.h',
        'model/gradient-quantizer.h',
        'model/gradient-upload-header.h',
        'model/hgq/hgq.h',
        'model/learn/learn.h',
        'model/learning-task.h',
        'model/results-database.h',
        'model/results-summary.h',
    ]

    if bld.env['ENABLE_EXAMPLES']:
        for example in [
            'examples/edge-learning-ideal.cc',
            'examples/edge-learning-lte.cc',
            'examples/edge-learning-report.cc',
            'examples/edge-learning-wifi.cc',
        ]:
            name = example.split('/')[-1][:-len('.cc')]
            program = bld.create_ns3_program(name, ['edge-learning'])
            program.source = example
