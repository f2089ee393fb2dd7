// tests of the dataset/synth work are added here
