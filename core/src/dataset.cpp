// implemented by the dataset/synth work; placeholder so the target builds
