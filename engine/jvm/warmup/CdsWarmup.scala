// The Scala twins' warm-up for their class-data-sharing archive (engine/jvm/cds.py): builds a
// producer and a consumer and closes them, nothing connected, using the Scala library the way the
// twins do (ranges, collections, string interpolation, Using, Java conversions), so that the
// archive holds the Scala runtime's classes as well as kafka-clients'.
import java.time.Duration
import java.util.Properties
import scala.collection.mutable
import scala.jdk.CollectionConverters.*
import scala.util.Using
import org.apache.kafka.clients.consumer.{ConsumerConfig, KafkaConsumer}
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord}
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.{StringDeserializer, StringSerializer}

object CdsWarmup:
  def main(args: Array[String]): Unit =
    val producerConfig = Properties()
    producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9")
    producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    val producer = KafkaProducer[String, String](producerConfig)
    val ids = (1 to 3).map(i => s"warm-$i").filter(_.nonEmpty).toList
    val seen = mutable.Map.empty[String, Int].withDefaultValue(0)
    ids.foreach(id => seen(id) += 1)
    val buffer = mutable.ArrayBuffer.from(ids)
    println(s"warm ${ProducerRecord("warmup", ids.head, buffer.mkString(",")).topic} ${seen.size} ${Some(1).exists(_ > 0)}")
    producer.close(Duration.ZERO)

    val consumerConfig = Properties()
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9")
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "warmup")
    consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    Using.resource(KafkaConsumer[String, String](consumerConfig)) { consumer =>
      consumer.assign(List(TopicPartition("warmup", 0)).asJava)
      consumer.close(Duration.ZERO)
    }
