/*
 * LearningTask: loads the data sets, partitions the training set over the
 * devices and owns the one learn_model (and its scratch) every application of
 * a run shares. The learning mathematics (models, gradients, partitions:
 * McMahan et al. 2017 shards, per-class Dirichlet proportions as in Hsu et al.
 * 2019) lives in model/learn/; this file loads, checks and times.
 */
#include "learning-task.h"

#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>

namespace ns3 {

NS_LOG_COMPONENT_DEFINE("LearningTask");

NS_OBJECT_ENSURE_REGISTERED(LearningTask);

namespace {

/** Samples per forward pass when evaluating (at least the training batch). */
constexpr size_t EVAL_BATCH = 256;

Ptr<const AttributeChecker>
ModelChecker()
{
    Ptr<EnumChecker> checker = Create<EnumChecker>();
    for (int k = LEARN_MODEL_SOFTMAX; k <= LEARN_MODEL_CNN; ++k)
    {
        const char* name = learn_model_kind_name(static_cast<learn_model_kind>(k));
        NS_ABORT_MSG_IF(name == nullptr, "learn_model_kind_name(" << k << ") is NULL");
        if (k == LEARN_MODEL_CNN_SMALL)
        {
            checker->AddDefault(k, name);
        }
        else
        {
            checker->Add(k, name);
        }
    }
    return checker;
}

Ptr<const AttributeChecker>
PartitionChecker()
{
    Ptr<EnumChecker> checker = Create<EnumChecker>();
    for (int k = LEARN_PARTITION_IID; k <= LEARN_PARTITION_DIRICHLET; ++k)
    {
        const char* name = learn_partition_kind_name(static_cast<learn_partition_kind>(k));
        NS_ABORT_MSG_IF(name == nullptr, "learn_partition_kind_name(" << k << ") is NULL");
        if (k == LEARN_PARTITION_IID)
        {
            checker->AddDefault(k, name);
        }
        else
        {
            checker->Add(k, name);
        }
    }
    return checker;
}

double
SecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TypeId
LearningTask::GetTypeId()
{
    static TypeId tid
        = TypeId("ns3::LearningTask")
              .SetParent<Object>()
              .SetGroupName("EdgeLearning")
              .AddConstructor<LearningTask>()
              .AddAttribute("Model", "Model trained: softmax, mlp, cnn-small or cnn.",
                            EnumValue(LEARN_MODEL_CNN_SMALL),
                            MakeEnumAccessor(&LearningTask::m_model), ModelChecker())
              .AddAttribute("DataDirectory",
                            "Folder of the Fashion-MNIST IDX files (gzip or raw); empty: "
                            "/usr/share/datasets/fashion-mnist (Debian package "
                            "dataset-fashion-mnist).",
                            StringValue(""), MakeStringAccessor(&LearningTask::m_dataDir),
                            MakeStringChecker())
              .AddAttribute("Partition",
                            "How the training set is split over the devices: iid, shards "
                            "(2 label-sorted shards each) or dirichlet.",
                            EnumValue(LEARN_PARTITION_IID),
                            MakeEnumAccessor(&LearningTask::m_partition), PartitionChecker())
              .AddAttribute("DirichletAlpha",
                            "Concentration of the per-class Dirichlet split (smaller: more "
                            "skewed).",
                            DoubleValue(0.5), MakeDoubleAccessor(&LearningTask::m_alpha),
                            MakeDoubleChecker<double>(1e-3, 1e6))
              .AddAttribute("BatchSize", "Mini-batch size of one device's gradient, in samples.",
                            UintegerValue(32), MakeUintegerAccessor(&LearningTask::m_batchSize),
                            MakeUintegerChecker<uint32_t>(1, 4096))
              .AddAttribute("EvalSubsetSize",
                            "Test samples used per evaluation (a fixed seeded subset); 0: the "
                            "whole test set.",
                            UintegerValue(0), MakeUintegerAccessor(&LearningTask::m_evalSubset),
                            MakeUintegerChecker<uint32_t>())
              .AddAttribute("Seed",
                            "Seed of the partition, the initial weights and the evaluation "
                            "subset.",
                            UintegerValue(1), MakeUintegerAccessor(&LearningTask::m_seed),
                            MakeUintegerChecker<uint64_t>());
    return tid;
}

LearningTask::LearningTask()
    : m_model(LEARN_MODEL_CNN_SMALL)
    , m_partition(LEARN_PARTITION_IID)
    , m_alpha(0.5)
    , m_batchSize(32)
    , m_evalSubset(0)
    , m_seed(1)
    , m_train(nullptr)
    , m_test(nullptr)
    , m_partitionHandle(nullptr)
    , m_modelHandle(nullptr)
    , m_nDevices(0)
{
    NS_LOG_FUNCTION(this);
}

LearningTask::~LearningTask()
{
    Free();
}

void
LearningTask::DoDispose()
{
    Free();
    Object::DoDispose();
}

void
LearningTask::Free()
{
    learn_partition_destroy(m_partitionHandle);
    m_partitionHandle = nullptr;
    learn_model_destroy(m_modelHandle);
    m_modelHandle = nullptr;
    learn_dataset_destroy(m_train);
    m_train = nullptr;
    learn_dataset_destroy(m_test);
    m_test = nullptr;
    m_nDevices = 0;
    m_gradient.clear();
    m_gradient.shrink_to_fit();
    m_reconstruction.clear();
    m_reconstruction.shrink_to_fit();
}

void
LearningTask::Load()
{
    if (m_modelHandle != nullptr)
    {
        if (m_loaded.model == m_model && m_loaded.dataDir == m_dataDir
            && m_loaded.batchSize == m_batchSize && m_loaded.evalSubset == m_evalSubset
            && m_loaded.seed == m_seed)
        {
            return;
        }
        // An attribute the loaded state depends on changed since: start over
        // rather than serve a model or buffers of the old settings.
        NS_LOG_INFO("LearningTask attributes changed since loading; reloading");
        Free();
    }
    NS_LOG_FUNCTION(this);
    const char* dir = m_dataDir.empty() ? nullptr : m_dataDir.c_str();
    char message[512] = "";
    int status = LEARN_OK;
    m_train = learn_dataset_load_fashion_mnist(dir, 1, &status, message, sizeof(message));
    if (m_train == nullptr)
    {
        NS_FATAL_ERROR("LearningTask: cannot load the training set (attribute DataDirectory): "
                       << message << " (" << learn_strerror(status) << ")");
    }
    m_test = learn_dataset_load_fashion_mnist(dir, 0, &status, message, sizeof(message));
    if (m_test == nullptr)
    {
        NS_FATAL_ERROR("LearningTask: cannot load the test set (attribute DataDirectory): "
                       << message << " (" << learn_strerror(status) << ")");
    }
    size_t maxBatch = std::max<size_t>(m_batchSize, EVAL_BATCH);
    m_modelHandle = learn_model_create(static_cast<learn_model_kind>(m_model),
                                       learn_dataset_rows(m_train), learn_dataset_cols(m_train),
                                       learn_dataset_classes(m_train), maxBatch, &status);
    if (m_modelHandle == nullptr)
    {
        NS_FATAL_ERROR("LearningTask: cannot build model "
                       << GetModelName() << " (attribute Model): " << learn_strerror(status));
    }
    size_t d = learn_model_dimension(m_modelHandle);
    m_gradient.assign(d, 0.0F);
    m_reconstruction.assign(d, 0.0F);
    m_batch.assign(m_batchSize, 0);

    // A fixed evaluation subset drawn once from the seed, so that every
    // evaluation of every run with this seed sees the same samples.
    size_t testSize = learn_dataset_size(m_test);
    m_evalIndices.clear();
    if (m_evalSubset > 0 && m_evalSubset < testSize)
    {
        std::vector<uint32_t> all(testSize);
        for (size_t i = 0; i < testSize; ++i)
        {
            all[i] = static_cast<uint32_t>(i);
        }
        learn_sampler* sampler
            = learn_sampler_create(all.data(), all.size(), m_seed ^ 0x6576616cULL, &status);
        if (sampler == nullptr)
        {
            NS_FATAL_ERROR("LearningTask: evaluation subset: " << learn_strerror(status));
        }
        m_evalIndices.resize(m_evalSubset);
        status = learn_sampler_next(sampler, m_evalIndices.data(), m_evalIndices.size());
        learn_sampler_destroy(sampler);
        NS_ABORT_MSG_IF(status != LEARN_OK,
                        "LearningTask: evaluation subset: " << learn_strerror(status));
    }
    m_loaded.model = m_model;
    m_loaded.dataDir = m_dataDir;
    m_loaded.batchSize = m_batchSize;
    m_loaded.evalSubset = m_evalSubset;
    m_loaded.seed = m_seed;
    NS_LOG_INFO("model " << GetModelName() << " D=" << d << " train=" << learn_dataset_size(m_train)
                         << " test=" << testSize);
}

void
LearningTask::Setup(uint32_t nDevices)
{
    NS_LOG_FUNCTION(this << nDevices);
    NS_ABORT_MSG_IF(nDevices == 0, "LearningTask::Setup: at least one device");
    Load();
    if (m_partitionHandle != nullptr && m_nDevices == nDevices
        && m_partitioned.partition == m_partition && m_partitioned.alpha == m_alpha
        && m_partitioned.seed == m_seed)
    {
        return;
    }
    learn_partition_destroy(m_partitionHandle);
    int status = LEARN_OK;
    m_partitionHandle
        = learn_partition_create(m_train, static_cast<learn_partition_kind>(m_partition), nDevices,
                                 m_alpha, m_seed, &status);
    if (m_partitionHandle == nullptr)
    {
        NS_FATAL_ERROR("LearningTask: cannot partition "
                       << learn_dataset_size(m_train) << " samples over " << nDevices
                       << " devices (attributes Partition=" << GetPartitionName()
                       << ", DirichletAlpha=" << m_alpha << "): " << learn_strerror(status));
    }
    m_nDevices = nDevices;
    m_partitioned.partition = m_partition;
    m_partitioned.alpha = m_alpha;
    m_partitioned.seed = m_seed;
}

bool
LearningTask::IsSetUp() const
{
    return m_partitionHandle != nullptr;
}

std::string
LearningTask::GetModelName() const
{
    const char* name = learn_model_kind_name(static_cast<learn_model_kind>(m_model));
    return name != nullptr ? name : "unknown";
}

std::string
LearningTask::GetPartitionName() const
{
    const char* name = learn_partition_kind_name(static_cast<learn_partition_kind>(m_partition));
    return name != nullptr ? name : "unknown";
}

uint32_t
LearningTask::GetDimension()
{
    Load();
    return static_cast<uint32_t>(learn_model_dimension(m_modelHandle));
}

uint32_t
LearningTask::GetNDevices() const
{
    return m_nDevices;
}

uint32_t
LearningTask::GetBatchSize() const
{
    return m_batchSize;
}

uint64_t
LearningTask::GetSeed() const
{
    return m_seed;
}

std::vector<float>
LearningTask::GetInitialWeights() const
{
    NS_ABORT_MSG_IF(m_modelHandle == nullptr, "LearningTask::GetInitialWeights before Setup");
    std::vector<float> w(learn_model_dimension(m_modelHandle));
    int status = learn_model_init(m_modelHandle, w.data(), m_seed);
    NS_ABORT_MSG_IF(status != LEARN_OK, "learn_model_init: " << learn_strerror(status));
    return w;
}

const uint32_t*
LearningTask::GetDeviceIndices(uint32_t device, size_t* count) const
{
    NS_ABORT_MSG_IF(m_partitionHandle == nullptr, "LearningTask::GetDeviceIndices before Setup");
    NS_ABORT_MSG_IF(device >= m_nDevices,
                    "LearningTask: device " << device << " of " << m_nDevices);
    return learn_partition_indices(m_partitionHandle, device, count);
}

std::vector<uint64_t>
LearningTask::GetLabelHistogram(uint32_t device) const
{
    NS_ABORT_MSG_IF(m_partitionHandle == nullptr, "LearningTask::GetLabelHistogram before Setup");
    size_t classes = learn_dataset_classes(m_train);
    std::vector<size_t> hist(classes, 0);
    int status = learn_partition_label_histogram(m_partitionHandle, device, hist.data(), classes);
    NS_ABORT_MSG_IF(status != LEARN_OK,
                    "learn_partition_label_histogram: " << learn_strerror(status));
    return std::vector<uint64_t>(hist.begin(), hist.end());
}

double
LearningTask::ComputeGradient(const float* weights, const uint32_t* batch, size_t size)
{
    NS_ABORT_MSG_IF(m_modelHandle == nullptr, "LearningTask::ComputeGradient before Setup");
    auto start = std::chrono::steady_clock::now();
    learn_batch b{m_train, batch, size};
    float loss = 0;
    int status = learn_gradient(m_modelHandle, weights, &b, m_gradient.data(), &loss);
    NS_ABORT_MSG_IF(status != LEARN_OK, "learn_gradient: " << learn_strerror(status));
    m_wallClock.gradientS += SecondsSince(start);
    m_wallClock.gradients++;
    return loss;
}

float*
LearningTask::GetGradientBuffer()
{
    return m_gradient.data();
}

float*
LearningTask::GetReconstructionBuffer()
{
    return m_reconstruction.data();
}

uint32_t*
LearningTask::GetBatchBuffer()
{
    return m_batch.data();
}

double
LearningTask::GetStepFlops() const
{
    NS_ABORT_MSG_IF(m_modelHandle == nullptr, "LearningTask::GetStepFlops before Setup");
    return learn_model_step_flops(m_modelHandle, m_batchSize);
}

void
LearningTask::Evaluate(const float* weights, double* accuracy, double* loss)
{
    NS_ABORT_MSG_IF(m_modelHandle == nullptr, "LearningTask::Evaluate before Setup");
    auto start = std::chrono::steady_clock::now();
    const uint32_t* indices = m_evalIndices.empty() ? nullptr : m_evalIndices.data();
    size_t count = m_evalIndices.empty() ? learn_dataset_size(m_test) : m_evalIndices.size();
    int status = learn_evaluate(m_modelHandle, weights, m_test, indices, count, accuracy, loss);
    NS_ABORT_MSG_IF(status != LEARN_OK, "learn_evaluate: " << learn_strerror(status));
    m_wallClock.evaluateS += SecondsSince(start);
    m_wallClock.evaluations++;
}

EdgeLearningWallClock&
LearningTask::GetWallClock()
{
    return m_wallClock;
}

void
LearningTask::ResetWallClock()
{
    m_wallClock = EdgeLearningWallClock();
}

} // namespace ns3
