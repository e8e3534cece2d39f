// Loads the kafka-clients classes every twin needs (producer, consumer, serializers, configs,
// callbacks) without touching a network, so that the JVM can list them for a class-data-sharing
// archive (engine/jvm/cds.py). Nothing connects: the bootstrap address is never dialled before
// close(), and both clients close at once.
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class CdsWarmup {
    public static void main(String[] args) {
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig);
        ProducerRecord<String, String> record = new ProducerRecord<>("warmup", "k", "v");
        System.out.println("warm " + record.topic());
        producer.close(Duration.ZERO);

        Properties consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "warmup");
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig);
        consumer.assign(List.of(new TopicPartition("warmup", 0)));
        consumer.close(Duration.ZERO);
    }
}
