// ModelCore (training/model_core.h): the queue (stale requests superseded, cancellation, several runs at once, destruction),
// the checkpoint fallback, reload safety, and one prediction path with `rgbdsod infer`. The runs
// are tiny (1/16 width, 32 px, 1-2 steps) and trained once for the suite.
#include "model_core_test_support.h"

TEST_F(ModelCoreTest, ABurstOnOneLaneRunsAtMostTwoAndOnlyTheNewestIsAnswered) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const auto names = sampleNames();
  // The worker is held in the callback of a request of another lane, so that the whole burst is
  // pending at once (on a busy machine a free-running loop can be preempted between submits).
  Gate gate;
  core.submit(request(id, names.front(), "hold"), gate.callback());
  ASSERT_TRUE(gate.waitEntered());
  Collector got;
  std::vector<Ticket> tickets;
  for (int i = 0; i < 20; ++i)
    tickets.push_back(core.submit(request(id, names[static_cast<std::size_t>(i) % names.size()], "browse"), got.callback()));
  gate.open();
  ASSERT_TRUE(core.waitIdle());
  const ModelCoreStats st = core.stats();
  EXPECT_EQ(st.submitted, 21u);
  EXPECT_EQ(st.run, 2u);  // the held request and the newest of the burst
  EXPECT_EQ(st.superseded, 19u);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    const auto results = got.of(tickets[i]);
    ASSERT_EQ(results.size(), 1u) << "ticket " << tickets[i] << " answered " << results.size() << " times";
    const InspectStatus expected = i + 1 == tickets.size() ? InspectStatus::Done : InspectStatus::Superseded;
    EXPECT_EQ(results[0].status, expected) << i << ": " << toString(results[0].status) << " " << results[0].error;
  }
  EXPECT_EQ(got.of(tickets.back())[0].sample, names[19 % names.size()]);
}

TEST_F(ModelCoreTest, AFreeRunningBurstAnswersEveryTicketOnceAndTheNewestIsDone) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const auto names = sampleNames();
  Collector got;
  std::vector<Ticket> tickets;
  for (int i = 0; i < 20; ++i)
    tickets.push_back(core.submit(request(id, names[static_cast<std::size_t>(i) % names.size()], "browse"), got.callback()));
  ASSERT_TRUE(core.waitIdle());
  const ModelCoreStats st = core.stats();
  EXPECT_EQ(st.run + st.superseded, 20u);
  std::size_t done = 0;
  for (const Ticket t : tickets) {
    const auto results = got.of(t);
    ASSERT_EQ(results.size(), 1u) << "ticket " << t << " answered " << results.size() << " times";
    if (results[0].status == InspectStatus::Done) {
      ++done;
    } else {
      EXPECT_EQ(results[0].status, InspectStatus::Superseded) << toString(results[0].status);
    }
  }
  EXPECT_EQ(done, st.run);
  EXPECT_EQ(got.of(tickets.back())[0].status, InspectStatus::Done);
}

TEST_F(ModelCoreTest, CancelDropsAPendingRequestAndItsCallbackSaysCancelled) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  Gate gate;
  core.submit(request(id, sampleNames().front(), "hold"), gate.callback());
  ASSERT_TRUE(gate.waitEntered());  // the worker is inside that callback: what follows stays pending
  Collector got;
  const Ticket dropped = core.submit(request(id, sampleNames().front(), "left"), got.callback());
  const Ticket kept = core.submit(request(id, sampleNames().back(), "right"), got.callback());
  core.cancel(dropped);
  core.cancel(dropped);  // twice: still one callback
  gate.open();
  ASSERT_TRUE(core.waitIdle());
  const auto a = got.of(dropped);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, InspectStatus::Cancelled);
  EXPECT_TRUE(a[0].maps.empty());
  const auto b = got.of(kept);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].status, InspectStatus::Done) << b[0].error;
  EXPECT_EQ(core.stats().cancelled, 1u);
  EXPECT_EQ(core.stats().run, 2u);
  EXPECT_EQ(toString(InspectStatus::Cancelled), std::string("cancelled"));
}

TEST_F(ModelCoreTest, DestroyingTheCoreCancelsWhatIsPendingAndAnswersEveryTicketOnce) {
  Collector got;
  Gate gate;
  std::vector<Ticket> pending;
  Ticket held = 0;
  {
    std::optional<ModelCore> core(std::in_place, cpu());
    const RunId id = core->load(run("teacher"));
    held = core->submit(request(id, sampleNames().front(), "hold"), [&, inner = gate.callback()](const InspectResult& r) {
      got.callback()(r);
      inner(r);
    });
    ASSERT_TRUE(gate.waitEntered());
    pending.push_back(core->submit(request(id, sampleNames().front(), "a"), got.callback()));
    pending.push_back(core->submit(request(id, sampleNames().back(), "b"), got.callback()));
    std::thread opener([&] {
      std::this_thread::sleep_for(200ms);  // the destructor has marked the pending ones by then
      gate.open();
    });
    core.reset();  // joins the worker once the held callback returns
    opener.join();
  }
  ASSERT_EQ(got.of(held).size(), 1u);
  EXPECT_EQ(got.of(held)[0].status, InspectStatus::Done);
  for (const Ticket t : pending) {
    const auto results = got.of(t);
    ASSERT_EQ(results.size(), 1u) << t;
    EXPECT_EQ(results[0].status, InspectStatus::Cancelled) << toString(results[0].status);
  }
}

TEST_F(ModelCoreTest, TwoLoadedRunsAnswerInterleavedRequestsEachWithItsOwnNetwork) {
  ModelCore core(cpu());
  const RunId teacher = core.load(run("teacher"));
  const RunId recnet = core.load(run("recnet"));
  ASSERT_NE(teacher, recnet);
  const auto names = sampleNames();
  Collector got;
  std::vector<std::pair<Ticket, RunId>> tickets;
  for (std::size_t i = 0; i < names.size(); ++i) {
    tickets.emplace_back(core.submit(request(teacher, names[i], "left"), got.callback()), teacher);
    tickets.emplace_back(core.submit(request(recnet, names[i], "right"), got.callback()), recnet);
    ASSERT_TRUE(core.waitIdle());  // each pair answered before the next, so none is superseded
  }
  for (const auto& [t, id] : tickets) {
    const auto results = got.of(t);
    ASSERT_EQ(results.size(), 1u);
    const InspectResult& r = results[0];
    ASSERT_EQ(r.status, InspectStatus::Done) << r.error;
    EXPECT_EQ(r.run, id);
    EXPECT_EQ(r.find("side_fused") != nullptr, id == teacher) << r.sample;
    EXPECT_EQ(r.find("foreground") != nullptr, id == recnet) << r.sample;
    const InspectResult now = core.inspectNow(id, core.loadSample(id, testSet(), r.sample));
    EXPECT_TRUE(sameImage(now.find("final")->image, r.find("final")->image)) << r.sample;
  }
}

TEST_F(ModelCoreTest, ACorruptNewestCheckpointIsSkippedWithAWarningNamingItAndTheOlderOneIsUsed) {
  test::TempDir tmp;
  const fs::path corrupt = tmp / "corrupt";
  const fs::path older = tmp / "older";
  fs::copy(run("teacher"), corrupt, fs::copy_options::recursive);
  fs::copy(run("teacher"), older, fs::copy_options::recursive);
  test::writeBytes(checkpointPath(corrupt, 2), "not a checkpoint at all");
  fs::remove(checkpointPath(older, 2));

  ModelCore core(cpu());
  const RunId id = core.load(corrupt);
  const ModelDescription d = core.describe(id);
  EXPECT_EQ(d.checkpoint.filename(), "step-000000001.pt");
  EXPECT_EQ(d.step, 1);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_TRUE(contains(d.warnings[0], "step-000000002.pt")) << d.warnings[0];
  EXPECT_TRUE(contains(d.warnings[0], "using step-000000001.pt")) << d.warnings[0];
  // The weights are step 1's.
  const RunId reference = core.load(older);
  const LoadedSample s = core.loadSample(id, testSet(), sampleNames().front());
  const InspectResult a = core.inspectNow(id, s);
  const InspectResult b = core.inspectNow(reference, s);
  EXPECT_EQ(a.checkpoint_step, 1);
  EXPECT_TRUE(sameImage(a.find("final")->image, b.find("final")->image));
  // None loadable: an error naming the folder.
  test::writeBytes(checkpointPath(corrupt, 1), "garbage");
  EXPECT_THROW(core.load(corrupt), core::FileError);
}

TEST_F(ModelCoreTest, AMissingSampleOrFolderFailsWithAMessageNamingIt) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  Collector got;
  const std::string typo = sampleNames().front() + "x";
  const Ticket missing = core.submit(request(id, "no-such-sample", "a"), got.callback());
  const Ticket misspelt = core.submit(request(id, typo, "b"), got.callback());
  InspectRequest bad_folder = request(id, sampleNames().front(), "c");
  bad_folder.dataset = dir_->path() / "no-such-folder";
  const Ticket folder = core.submit(bad_folder, got.callback());
  const Ticket unknown_run = core.submit(request(id + 50, sampleNames().front(), "d"), got.callback());
  ASSERT_TRUE(core.waitIdle());
  const auto a = got.of(missing);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(a[0].error, "no-such-sample")) << a[0].error;
  EXPECT_TRUE(contains(a[0].error, testSet().string())) << a[0].error;
  const auto b = got.of(misspelt);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(b[0].error, "did you mean")) << b[0].error;
  const auto c = got.of(folder);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(c[0].error, "no-such-folder")) << c[0].error;
  const auto e = got.of(unknown_run);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].status, InspectStatus::Failed);
  EXPECT_THROW(core.loadSample(id, testSet(), "no-such-sample"), core::FileError);
}

TEST_F(ModelCoreTest, APreTrainingRunLoadsButItsRequestsFailSayingItPredictsNoSaliency) {
  ModelCore core(cpu());
  const RunId id = core.load(run("contrast"));
  const ModelDescription d = core.describe(id);
  EXPECT_FALSE(d.predicts_saliency);
  EXPECT_FALSE(d.zero_shot);
  Collector got;
  const Ticket t = core.submit(request(id, sampleNames().front()), got.callback());
  ASSERT_TRUE(core.waitIdle());
  const auto r = got.of(t);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(r[0].error, "pre-training")) << r[0].error;
  EXPECT_TRUE(contains(r[0].error, "contrast-intra")) << r[0].error;
}

TEST_F(ModelCoreTest, ReloadAndUnloadWhileRequestsRunAreSafe) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const auto names = sampleNames();
  Collector got;
  std::vector<Ticket> tickets;
  for (int i = 0; i < 5; ++i) {
    tickets.push_back(core.submit(request(id, names[static_cast<std::size_t>(i) % names.size()], "l" + std::to_string(i)),
                                  got.callback()));
    const ModelDescription d = core.reload(id);
    EXPECT_EQ(d.step, 2);
  }
  ASSERT_TRUE(core.waitIdle());
  for (const Ticket t : tickets) {
    const auto r = got.of(t);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, InspectStatus::Done) << r[0].error;
    EXPECT_EQ(r[0].original, kOriginal);
  }
  // Unloaded while queued or running: answered once, done on the old network or failed.
  const Ticket t = core.submit(request(id, names.front(), "last"), got.callback());
  core.unload(id);
  ASSERT_TRUE(core.waitIdle());
  const auto r = got.of(t);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].status == InspectStatus::Done || r[0].status == InspectStatus::Failed) << toString(r[0].status);
  EXPECT_THROW(core.reload(id), core::Error);
}

TEST_F(ModelCoreTest, InferWritesExactlyTheImagesOfModelCoresMaps) {
  test::TempDir tmp;
  ModelCore core(cpu());
  const RunId teacher = core.load(run("teacher"));
  const RunId fuse = core.load(run("fuse"));
  const RunId recnet = core.load(run("recnet"));
  runInference({run("teacher"), testSet(), tmp / "teacher", true, false});
  runInference({run("teacher"), testSet(), tmp / "zero", true, true});
  runInference({run("fuse"), testSet(), tmp / "fuse", true, false});
  runInference({run("recnet"), testSet(), tmp / "recnet", true, false});
  auto expectFile = [](const fs::path& file, const InspectMap* map) {
    ASSERT_NE(map, nullptr) << file;
    ASSERT_TRUE(fs::exists(file)) << file;
    const cv::Mat png = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    EXPECT_TRUE(sameImage(png, map->image)) << file << " differs from ModelCore's " << map->name;
  };
  for (const auto& name : sampleNames()) {
    const InspectResult t = core.inspectNow(teacher, core.loadSample(teacher, testSet(), name), /*zero_shot=*/true);
    expectFile(tmp / "teacher" / (name + ".png"), t.find("final"));
    // Today's names: combined side outputs as _side<N>, the fusion; and the raw ones beside them.
    expectFile(tmp / "teacher" / "sides" / (name + "_side2.png"), t.find("side_combined/level2"));
    expectFile(tmp / "teacher" / "sides" / (name + "_side6.png"), t.find("side_combined/level6"));
    expectFile(tmp / "teacher" / "sides" / (name + "_side2_raw.png"), t.find("side/level2"));
    expectFile(tmp / "teacher" / "sides" / (name + "_side_fused.png"), t.find("side_fused"));
    EXPECT_FALSE(fs::exists(tmp / "teacher" / "sides" / (name + "_side1.png")));
    // --depth-as-rgb: the zero-shot maps.
    expectFile(tmp / "zero" / (name + ".png"), t.find("zero_shot/final"));
    expectFile(tmp / "zero" / "sides" / (name + "_side3.png"), t.find("zero_shot/side_combined/level3"));

    const InspectResult f = core.inspectNow(fuse, core.loadSample(fuse, testSet(), name));
    expectFile(tmp / "fuse" / (name + ".png"), f.find("final"));
    expectFile(tmp / "fuse" / "sides" / (name + "_rgb_level3.png"), f.find("rgb/level3"));
    expectFile(tmp / "fuse" / "sides" / (name + "_depth_level6.png"), f.find("depth/level6"));

    const InspectResult r = core.inspectNow(recnet, core.loadSample(recnet, testSet(), name));
    expectFile(tmp / "recnet" / (name + ".png"), r.find("final"));
    expectFile(tmp / "recnet" / "sides" / (name + "_fg.png"), r.find("foreground"));
    expectFile(tmp / "recnet" / "sides" / (name + "_bg.png"), r.find("background"));
  }
}

TEST_F(ModelCoreTest, InferSamplesWritesOnlyTheNamedSamplesAndAnUnknownNameFailsNamingIt) {
  test::TempDir tmp;
  const auto names = sampleNames();
  ASSERT_GE(names.size(), 3u);
  InferRequest q{run("teacher"), testSet(), tmp / "some"};
  q.samples = {names[2], names[0], names[2]};
  const InferSummary s = runInference(q);
  EXPECT_EQ(s.images, 2u);
  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(tmp / "some")) written.insert(e.path().filename().string());
  EXPECT_EQ(written, (std::set<std::string>{names[0] + ".png", names[2] + ".png"}));

  // A folder of datasets: only the one holding the name gets an output folder.
  InferRequest all{run("teacher"), data(), tmp / "all"};
  all.samples = {names[1]};
  EXPECT_EQ(runInference(all).images, 1u);
  EXPECT_TRUE(fs::exists(tmp / "all" / "test" / (names[1] + ".png")));
  EXPECT_FALSE(fs::exists(tmp / "all" / "train"));

  InferRequest bad{run("teacher"), testSet(), tmp / "bad"};
  bad.samples = {names[0], "no-such-sample"};
  try {
    runInference(bad);
    ADD_FAILURE() << "an unknown sample name was accepted";
  } catch (const core::FileError& e) {
    EXPECT_TRUE(contains(e.what(), "no-such-sample")) << e.what();
    EXPECT_TRUE(contains(e.what(), testSet().string())) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp / "bad" / (names[0] + ".png")));  // checked before anything is written
}

TEST_F(ModelCoreTest, AskingForCudaWithoutACudaDeviceIsAClearError) {
  {
    ModelCoreOptions o = cpu();
    o.device = "auto";
    ModelCore core(o);
    EXPECT_EQ(core.device(), torch::cuda::is_available() ? "cuda:0" : "cpu");
  }
  {
    ModelCoreOptions o = cpu();
    o.device = "tpu";
    ModelCore core(o);
    EXPECT_THROW(core.load(run("teacher")), core::Error);
  }
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  for (const char* device : {"cuda", "cuda:1"}) {
    ModelCoreOptions o = cpu();
    o.device = device;
    ModelCore core(o);
    try {
      core.load(run("teacher"));
      ADD_FAILURE() << device << " was accepted without a CUDA device";
    } catch (const core::Error& e) {
      EXPECT_TRUE(contains(e.what(), "no CUDA device was found")) << e.what();
    }
  }
}
