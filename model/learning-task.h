/*
 * LearningTask: the data sets, their partition over the devices and the one
 * shared model of a run.
 */
#ifndef EDGE_LEARNING_LEARNING_TASK_H
#define EDGE_LEARNING_LEARNING_TASK_H

#include "ns3/learn.h"
#include "ns3/object.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ns3 {

/**
 * Wall-clock seconds spent in the real computations of a run (never used for
 * simulated time). The scenario benchmark reads them; ResetWallClock clears
 * them between runs.
 */
struct EdgeLearningWallClock
{
    double gradientS{0};   //!< learn_gradient, all devices
    double quantizeS{0};   //!< encode, all devices
    double decodeS{0};     //!< decode + aggregate, server
    double updateS{0};     //!< learn_apply, server
    double evaluateS{0};   //!< learn_evaluate, server
    uint64_t gradients{0}; //!< learn_gradient calls
    uint64_t encodes{0};
    uint64_t decodes{0};
    uint64_t evaluations{0};
};

/**
 * \ingroup edge-learning
 * \brief Training and test sets, their partition over N devices and one
 * learn_model with its scratch, shared read-only by every application of a run.
 *
 * The simulator runs one event at a time, so all devices share one model's
 * scratch and one gradient buffer: memory per device is only its partition's
 * sample indices, its sampler and its quantizer (plus D floats of received
 * weights when the downlink is modelled).
 *
 * Setup(N) loads the data (once) and partitions it over N devices (again when
 * N or a partition attribute changes; a change of Model, DataDirectory,
 * BatchSize, EvalSubsetSize or Seed reloads everything). Errors (missing files, bad names) end the
 * program with NS_FATAL_ERROR naming the attribute or the path; Debian's dataset-fashion-mnist
 * package provides the default data.
 */
class LearningTask : public Object
{
  public:
    static TypeId GetTypeId();
    LearningTask();
    ~LearningTask() override;

    /** Loads data and model (once) and partitions over nDevices (>= 1). */
    void Setup(uint32_t nDevices);
    bool IsSetUp() const;

    /** Model name ("cnn-small", ...), partition name ("iid", ...). */
    std::string GetModelName() const;
    std::string GetPartitionName() const;
    /** D, the number of model parameters (loads the model if needed). */
    uint32_t GetDimension();
    uint32_t GetNDevices() const;
    uint32_t GetBatchSize() const;
    uint64_t GetSeed() const;

    /** Initial global weights w0[0..D), deterministic from "Seed". */
    std::vector<float> GetInitialWeights() const;

    /** Sample indices of one device's partition (borrowed view) and count. */
    const uint32_t* GetDeviceIndices(uint32_t device, size_t* count) const;
    /** Samples per class held by one device. */
    std::vector<uint64_t> GetLabelHistogram(uint32_t device) const;

    /**
     * Gradient of the mean cross-entropy over the training samples
     * batch[0..size) (size <= BatchSize) at weights; written into the shared
     * buffer GetGradientBuffer() (valid until the next call). Returns the mean
     * loss. Adds to the wall-clock counters.
     */
    double ComputeGradient(const float* weights, const uint32_t* batch, size_t size);
    /** The shared gradient buffer, D floats. */
    float* GetGradientBuffer();
    /** A second shared buffer of D floats (a device's reconstruction). */
    float* GetReconstructionBuffer();
    /** Shared index buffer of BatchSize entries for a device's next batch. */
    uint32_t* GetBatchBuffer();

    /** FLOPs of one training step on BatchSize samples (compute-time model). */
    double GetStepFlops() const;

    /**
     * Accuracy in [0, 1] and mean loss on the test set (on a fixed subset of
     * EvalSubsetSize samples drawn from "Seed" when that is > 0).
     */
    void Evaluate(const float* weights, double* accuracy, double* loss);

    /** Wall-clock counters of the run; applications add to them. */
    EdgeLearningWallClock& GetWallClock();
    void ResetWallClock();

  protected:
    void DoDispose() override;

  private:
    void Load();
    void Free();

    int m_model;           //!< learn_model_kind (EnumValue)
    std::string m_dataDir; //!< "" : LEARN_FASHION_MNIST_DEFAULT_DIR
    int m_partition;       //!< learn_partition_kind (EnumValue)
    double m_alpha;        //!< Dirichlet concentration
    uint32_t m_batchSize;
    uint32_t m_evalSubset; //!< 0: the whole test set
    uint64_t m_seed;

    learn_dataset* m_train;
    learn_dataset* m_test;
    learn_partition* m_partitionHandle;
    learn_model* m_modelHandle;
    uint32_t m_nDevices;
    std::vector<float> m_gradient;
    std::vector<float> m_reconstruction;
    std::vector<uint32_t> m_batch;
    std::vector<uint32_t> m_evalIndices;
    EdgeLearningWallClock m_wallClock;

    /** Attribute values the loaded model, buffers and subset were built with. */
    struct
    {
        int model{-1};
        std::string dataDir;
        uint32_t batchSize{0};
        uint32_t evalSubset{0};
        uint64_t seed{0};
    } m_loaded;

    /** Attribute values the current partition was built with. */
    struct
    {
        int partition{-1};
        double alpha{0};
        uint64_t seed{0};
    } m_partitioned;
};

} // namespace ns3

#endif /* EDGE_LEARNING_LEARNING_TASK_H */
