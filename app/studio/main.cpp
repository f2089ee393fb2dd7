// placeholder: the studio's main() is written with the ui/ work
int main() { return 0; }
